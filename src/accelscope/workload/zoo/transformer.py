"""Transformers: BERT-base, GPT-2 small (prefill and one decode step), Transformer-base.

Q/K/V/output projections are :class:`Linear` layers and the attention core (scores,
scaled softmax, context) one :class:`Attention` op; splitting and merging heads are
layout changes folded into the core. Masks (padding, causal) are applied inside the core
and the full ``seq_q x seq_kv`` score matrix is computed, as a dense PyTorch kernel does.
Output projections tied to the token embedding are :class:`Linear` layers whose weight
has ``param_count=0``: the tied table is read but counted once (see docs/zoo.md).
"""

from __future__ import annotations

from accelscope.workload.network import Network
from accelscope.workload.ops import Embedding, ShapeOp
from accelscope.workload.zoo._builder import NetBuilder, Rows
from accelscope.workload.zoo._registry import ZooEntry, register

# ---- BERT-base ----------------------------------------------------------------------------
BERT = {"vocab": 30522, "positions": 512, "types": 2, "d": 768, "layers": 12, "heads": 12}
BERT_FFN = 3072

_BERT_BASE = ZooEntry(
    name="bert-base",
    family="transformer",
    description="BERT-base encoder (12 layers, d 768, 12 heads, FFN 3072) with pooler",
    default_batch=1,
    default_seq_len=128,
    source="Devlin et al. 2019 (arXiv:1810.04805), BERT-base 110M params; HuggingFace "
    "transformers BertModel (bert-base-uncased config)",
    max_seq_len=512,
)


@register(_BERT_BASE)
def bert_base(batch: int, seq_len: int | None) -> Network:
    assert seq_len is not None
    d, heads = BERT["d"], BERT["heads"]
    tokens = batch * seq_len
    b = NetBuilder(batch)
    x = b.embedding("embeddings.word_embeddings", "input_ids", tokens, BERT["vocab"], d)
    tt = b.embedding("embeddings.token_type_embeddings", "token_type_ids", tokens, 2, d)
    x = b.binary("embeddings.add", x, tt)
    pos = b.embedding("embeddings.position_embeddings", "position_ids", tokens, 512, d)
    x = b.binary("embeddings.add_1", x, pos)
    x = b.layer_norm("embeddings.LayerNorm", x)
    for i in range(BERT["layers"]):
        p = f"encoder.layer.{i}"
        q = b.linear(f"{p}.attention.self.query", x, d)
        k = b.linear(f"{p}.attention.self.key", x, d)
        v = b.linear(f"{p}.attention.self.value", x, d)
        ctx = b.attention(
            f"{p}.attention.self.sdpa", (q.src, k.src, v.src), heads, d // heads, seq_len, seq_len
        )
        a = b.linear(f"{p}.attention.output.dense", ctx, d)
        a = b.binary(f"{p}.attention.output.add", a, x)
        x = b.layer_norm(f"{p}.attention.output.LayerNorm", a)
        f = b.act(
            f"{p}.intermediate.gelu", b.linear(f"{p}.intermediate.dense", x, BERT_FFN), "gelu"
        )
        f = b.linear(f"{p}.output.dense", f, d)
        f = b.binary(f"{p}.output.add", f, x)
        x = b.layer_norm(f"{p}.output.LayerNorm", f)
    # Pooler: dense + tanh on the first ([CLS]) token of every sequence.
    cls = b.reshape("pooler.select_cls", x, "slice", Rows("", batch, d))
    b.act("pooler.activation", b.linear("pooler.dense", cls, d), "tanh")
    return b.network("bert-base", "transformer", _BERT_BASE.source, seq_len=seq_len)


# ---- GPT-2 small --------------------------------------------------------------------------
GPT2 = {"vocab": 50257, "positions": 1024, "d": 768, "layers": 12, "heads": 12}


def _gpt2(name: str, batch: int, new_tokens: int, past: int, source: str) -> Network:
    """GPT2LMHeadModel forward over *new_tokens* per sequence with *past* cached tokens."""
    d, heads = GPT2["d"], GPT2["heads"]
    rows = batch * new_tokens
    b = NetBuilder(batch)
    x = b.embedding("transformer.wte", "input_ids", rows, GPT2["vocab"], d)
    pos = b.embedding("transformer.wpe", "position_ids", rows, GPT2["positions"], d)
    x = b.binary("transformer.add", x, pos)
    for i in range(GPT2["layers"]):
        p = f"transformer.h.{i}"
        h = b.layer_norm(f"{p}.ln_1", x)
        qkv = b.linear(f"{p}.attn.c_attn", h, 3 * d)  # HF Conv1D = Linear with bias
        kv_src = qkv.src
        if past:
            # Append this step's keys/values to the cache (layout only).
            kv_src = f"{p}.attn.kv_cache"
            b.emit(
                ShapeOp(
                    name=kv_src,
                    inputs=(qkv.src, f"past_key_values.{i}"),
                    function="concat",
                    elements=2 * batch * (past + new_tokens) * d,
                )
            )
        ctx = b.attention(
            f"{p}.attn.sdpa", (qkv.src, kv_src), heads, d // heads, new_tokens, past + new_tokens
        )
        a = b.linear(f"{p}.attn.c_proj", ctx, d)
        x = b.binary(f"{p}.add", a, x)
        h = b.layer_norm(f"{p}.ln_2", x)
        # gelu_new (tanh approximation) counted as a generic GELU.
        f = b.act(f"{p}.mlp.act", b.linear(f"{p}.mlp.c_fc", h, 4 * d), "gelu")
        f = b.linear(f"{p}.mlp.c_proj", f, d)
        x = b.binary(f"{p}.add_1", f, x)
    x = b.layer_norm("transformer.ln_f", x)
    b.tied_linear("lm_head", x, GPT2["vocab"], weight_of="transformer.wte")
    seq = past if past else new_tokens
    return b.network(name, "transformer", source, seq_len=seq)


_GPT2_SRC = (
    "Radford et al. 2019 'Language models are unsupervised multitask learners' "
    "(GPT-2 small, 124M params); HuggingFace transformers GPT2LMHeadModel (gpt2 config)"
)
_GPT2_PREFILL = ZooEntry(
    name="gpt2-prefill",
    family="transformer",
    description="GPT-2 small prefill: seq_len prompt tokens (default 512) through "
    "GPT2LMHeadModel, logits for every position",
    default_batch=1,
    default_seq_len=512,
    source=_GPT2_SRC,
    max_seq_len=1024,
)
_GPT2_DECODE = ZooEntry(
    name="gpt2-decode",
    family="transformer",
    description="GPT-2 small, one decode step: 1 new token attending over a KV cache of "
    "seq_len tokens (default 512, so 513 keys)",
    default_batch=1,
    default_seq_len=512,
    source=_GPT2_SRC,
    max_seq_len=1023,
)


@register(_GPT2_PREFILL)
def gpt2_prefill(batch: int, seq_len: int | None) -> Network:
    assert seq_len is not None
    return _gpt2("gpt2-prefill", batch, seq_len, 0, _GPT2_PREFILL.source)


@register(_GPT2_DECODE)
def gpt2_decode(batch: int, seq_len: int | None) -> Network:
    assert seq_len is not None
    return _gpt2("gpt2-decode", batch, 1, seq_len, _GPT2_DECODE.source)


# ---- Transformer-base (Vaswani et al. 2017) -----------------------------------------------
TBASE = {"vocab": 37000, "d": 512, "layers": 6, "heads": 8, "ffn": 2048}

_TRANSFORMER_BASE = ZooEntry(
    name="transformer-base",
    family="transformer",
    description="Transformer-base encoder-decoder (6+6 layers, d 512, 8 heads, FFN 2048, "
    "shared 37000-token vocabulary); one teacher-forced pass, source = target = seq_len",
    default_batch=1,
    default_seq_len=128,
    source="Vaswani et al. 2017 'Attention is all you need' (arXiv:1706.03762), base model "
    "(65M params, WMT14 En-De); layer structure of torch.nn.Transformer (post-norm, "
    "final encoder/decoder LayerNorm)",
)


def _mha(b: NetBuilder, p: str, q_in: Rows, kv_in: Rows | None, seq_q: int, seq_kv: int) -> Rows:
    """nn.MultiheadAttention: packed in-projection (self) or q + packed kv (cross)."""
    d, heads = TBASE["d"], TBASE["heads"]
    if kv_in is None:
        qkv = b.linear(f"{p}.in_proj", q_in, 3 * d)
        srcs: tuple[str, ...] = (qkv.src,)
    else:
        q = b.linear(f"{p}.in_proj_q", q_in, d)
        kv = b.linear(f"{p}.in_proj_kv", kv_in, 2 * d)
        srcs = (q.src, kv.src)
    ctx = b.attention(f"{p}.sdpa", srcs, heads, d // heads, seq_q, seq_kv)
    return b.linear(f"{p}.out_proj", ctx, d)


def _embed(b: NetBuilder, p: str, ids: str, tokens: int) -> Rows:
    d = TBASE["d"]
    x = b.embedding(p, ids, tokens, TBASE["vocab"], d)
    x = b.const_op(f"{p}.scale", x, "mul", "sqrt_d_model")  # embeddings x sqrt(d_model)
    return b.const_op(f"{p}.pos_add", x, "add", "sinusoidal_positions")


@register(_TRANSFORMER_BASE)
def transformer_base(batch: int, seq_len: int | None) -> Network:
    assert seq_len is not None
    d, ffn, t = TBASE["d"], TBASE["ffn"], seq_len
    b = NetBuilder(batch)
    x = _embed(b, "embed", "src_ids", batch * t)
    for i in range(TBASE["layers"]):
        p = f"encoder.layers.{i}"
        a = _mha(b, f"{p}.self_attn", x, None, t, t)
        x = b.layer_norm(f"{p}.norm1", b.binary(f"{p}.add", x, a))
        f = b.act(f"{p}.relu", b.linear(f"{p}.linear1", x, ffn), "relu")
        f = b.linear(f"{p}.linear2", f, d)
        x = b.layer_norm(f"{p}.norm2", b.binary(f"{p}.add_1", x, f))
    memory = b.layer_norm("encoder.norm", x)
    # Target embedding shares the source table (one 37000-token vocabulary): its lookup
    # is a separate op, but its parameters are not counted a second time.
    y = _embed_shared(b, "embed_tgt", "tgt_ids", batch * t, weight_of="embed")
    for i in range(TBASE["layers"]):
        p = f"decoder.layers.{i}"
        a = _mha(b, f"{p}.self_attn", y, None, t, t)
        y = b.layer_norm(f"{p}.norm1", b.binary(f"{p}.add", y, a))
        c = _mha(b, f"{p}.multihead_attn", y, memory, t, t)
        y = b.layer_norm(f"{p}.norm2", b.binary(f"{p}.add_1", y, c))
        f = b.act(f"{p}.relu", b.linear(f"{p}.linear1", y, ffn), "relu")
        f = b.linear(f"{p}.linear2", f, d)
        y = b.layer_norm(f"{p}.norm3", b.binary(f"{p}.add_2", y, f))
    y = b.layer_norm("decoder.norm", y)
    logits = b.tied_linear("generator", y, TBASE["vocab"], weight_of="embed")
    b.softmax("log_softmax", logits)
    return b.network("transformer-base", "transformer", _TRANSFORMER_BASE.source, seq_len=t)


def _embed_shared(b: NetBuilder, p: str, ids: str, tokens: int, weight_of: str) -> Rows:
    """Lookup in a table owned by layer *weight_of*: an embedding whose table is shared."""
    d = TBASE["d"]
    vocab = TBASE["vocab"]
    b.emit(
        Embedding(
            name=p,
            inputs=(ids, weight_of),
            tokens=tokens,
            num_embeddings=vocab,
            embedding_dim=d,
            param_count=0,
        )
    )
    x = b.const_op(f"{p}.scale", Rows(p, tokens, d), "mul", "sqrt_d_model")
    return b.const_op(f"{p}.pos_add", x, "add", "sinusoidal_positions")
