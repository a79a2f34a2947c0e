"""Tokenisation for long documents: a WordPiece vocabulary trained locally, or a checkpoint's own tokenizer."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

from longloop.corpus.atomic_files import publish_file
from longloop.training.wordpiece_vocabulary import MAX_WORD_CHARS, learn_vocabulary, word_counts

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


class DocumentTokenizer:
    """Token ids without special tokens; the windowing adds [CLS]/[SEP] per window."""

    def __init__(self, tokenizer: Tokenizer):
        self._tok = tokenizer
        self._tok.no_truncation()
        self._tok.no_padding()
        self.pad_id = self._id("[PAD]")
        self.cls_id = self._id("[CLS]")
        self.sep_id = self._id("[SEP]")

    def _id(self, token: str) -> int:
        idx = self._tok.token_to_id(token)
        if idx is None:
            raise ValueError(f"tokenizer has no {token} token")
        return idx

    @property
    def vocab_size(self) -> int:
        return self._tok.get_vocab_size()

    def vocabulary(self) -> set[str]:
        return set(self._tok.get_vocab())

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / "tokenizer.json"
        tmp = path.with_name(".tokenizer.json.tmp")
        self._tok.save(str(tmp))
        publish_file(tmp, path)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> DocumentTokenizer:
        return cls(Tokenizer.from_file(str(Path(folder) / "tokenizer.json")))

    @classmethod
    def train(cls, texts: list[str], vocab_size: int) -> DocumentTokenizer:
        """A WordPiece tokenizer learned from ``texts``: the same texts give the same tokenizer in every process
        (see ``wordpiece_vocabulary``), ids numbered special tokens first, then by string."""
        normalizer = normalizers.BertNormalizer(lowercase=True)
        pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        learned = learn_vocabulary(word_counts(texts, normalizer, pre_tokenizer), vocab_size, SPECIAL)
        ordered = SPECIAL + sorted(t for t in learned if t not in SPECIAL)
        tok = Tokenizer(
            models.WordPiece(
                vocab={t: i for i, t in enumerate(ordered)}, unk_token="[UNK]", max_input_chars_per_word=MAX_WORD_CHARS
            )
        )
        tok.normalizer = normalizer
        tok.pre_tokenizer = pre_tokenizer
        tok.decoder = decoders.WordPiece()
        return cls(tok)
