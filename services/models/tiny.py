"""A tiny randomly initialised Llama model with the real SmolLM2 tokenizer, for fast tests.

It exercises the exact code path of the real base model (chat template, tokenizer, KV cache,
LoRA injection, constrained decoding) in milliseconds per token. Its output is noise, so it
is a good test of the grammar: noise still has to come out as valid JSON.
"""

from __future__ import annotations

from pathlib import Path

from docai.services.models.base_model import bundled_gguf


def make_tiny_model(
    out_dir: Path,
    *,
    tokenizer_from: Path | None = None,
    num_layers: int = 2,
    hidden_size: int = 64,
    seed: int = 0,
) -> Path:
    """Write a tiny Llama-architecture model with the SmolLM2 tokenizer into ``out_dir``.

    Args:
        out_dir: The directory to write (created; existing files are overwritten).
        tokenizer_from: A Hugging Face model directory to copy the tokenizer from; ``None``
            reads it from the bundled GGUF file (about a second, no weights are dequantised).
        num_layers: Decoder layers.
        hidden_size: Hidden size; 4 attention heads, 2 key/value heads.
        seed: Seed of the random initialisation, so two calls give the same model.

    Returns:
        ``out_dir``, loadable with ``AutoModelForCausalLM.from_pretrained``.

    Example:
        >>> model_dir = make_tiny_model(tmp_path / "tiny")
        >>> backend = HFTextGenerator.load(model_dir)
    """
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if tokenizer_from is not None:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_from)
    else:
        gguf = bundled_gguf()
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
