"""Tokenisation for long documents: a WordPiece vocabulary trained locally, or a checkpoint's own tokenizer."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from longloop.corpus.atomic_files import publish_file

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
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False)
        tok.train_from_iterator(texts, trainer=trainer)
        # The trainer breaks frequency ties in hash order, so ids differ between runs; renumber them
        # (special tokens first, then by string) to make the same texts give the same tokenizer.
        learned = tok.get_vocab()
        ordered = SPECIAL + sorted(t for t in learned if t not in SPECIAL)
        tok.model = models.WordPiece(vocab={t: i for i, t in enumerate(ordered)}, unk_token="[UNK]")
        return cls(tok)
