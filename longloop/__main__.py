import sys

from longloop.cli import main

sys.exit(main())
