"""A corpus of real architectures for the importer tests (issue 14): ``transformers``
models built from small config objects (random init, a few layers) and plain PyTorch
modules. ``CORPUS[name]()`` returns ``(module, inputs)`` with ``inputs`` a dict of
keyword tensors.

``reference_macs`` counts MACs with ``torch.utils.flop_counter.FlopCounterMode`` on the
real module, plus two formulas the counter lacks on CPU: scaled-dot-product attention
(``_scaled_dot_product_flash_attention_for_cpu``: ``Q K^T`` and ``P V``, ``2 b h s_q s_k d``
MACs) and the mixture-of-experts grouped GEMM (``aten._grouped_mm``, or transformers'
``grouped_mm_fallback``: ``T' K N`` for ``T'`` routed (token, expert) pairs), which the
counter does not see at all -- it reports a Mixtral layer without its experts.
"""
# ruff: noqa: E501  (one model per line reads best as a table)

from __future__ import annotations

import inspect

import torch
import transformers as T


def ids(b=1, s=16, vocab=100):
    return {"input_ids": torch.zeros(b, s, dtype=torch.long)}


def small(cfg_cls, **kw):
    base = dict(
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        vocab_size=100,
    )
    base.update(kw)
    return cfg_cls(**base)


def text(model_cls, cfg_cls, **kw):
    return lambda: (model_cls(small(cfg_cls, **kw)), ids())


CORPUS = {
    "bert": text(T.BertModel, T.BertConfig),
    "roberta": text(T.RobertaModel, T.RobertaConfig),
    "distilbert": lambda: (
        T.DistilBertModel(
            T.DistilBertConfig(dim=64, n_layers=2, n_heads=4, hidden_dim=128, vocab_size=100)
        ),
        ids(),
    ),
    "albert": text(T.AlbertModel, T.AlbertConfig, embedding_size=32),
    "electra": text(T.ElectraModel, T.ElectraConfig, embedding_size=32),
    "deberta-v2": text(T.DebertaV2Model, T.DebertaV2Config),
    "gpt2": lambda: (
        T.GPT2Model(T.GPT2Config(n_embd=64, n_layer=2, n_head=4, vocab_size=100)),
        ids(),
    ),
    "gpt-neox": text(T.GPTNeoXModel, T.GPTNeoXConfig),
    "llama": text(T.LlamaModel, T.LlamaConfig, num_key_value_heads=2),
    "mistral": text(T.MistralModel, T.MistralConfig, num_key_value_heads=2),
    "qwen2": text(T.Qwen2Model, T.Qwen2Config, num_key_value_heads=2),
    "phi": text(T.PhiModel, T.PhiConfig),
    "gemma": text(T.GemmaModel, T.GemmaConfig, num_key_value_heads=2, head_dim=16),
    "opt": lambda: (
        T.OPTModel(
            T.OPTConfig(
                hidden_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                ffn_dim=128,
                vocab_size=100,
                word_embed_proj_dim=64,
            )
        ),
        ids(),
    ),
    "bloom": lambda: (
        T.BloomModel(T.BloomConfig(hidden_size=64, n_layer=2, n_head=4, vocab_size=100)),
        ids(),
    ),
    "mixtral": text(
        T.MixtralModel,
        T.MixtralConfig,
        num_key_value_heads=2,
        num_local_experts=4,
        num_experts_per_tok=2,
    ),
    "t5": lambda: (
        T.T5Model(
            T.T5Config(d_model=64, d_ff=128, num_layers=2, num_heads=4, d_kv=16, vocab_size=100)
        ),
        {**ids(), "decoder_input_ids": torch.zeros(1, 8, dtype=torch.long)},
    ),
    "bart": lambda: (
        T.BartModel(
            T.BartConfig(
                d_model=64,
                encoder_layers=2,
                decoder_layers=2,
                encoder_attention_heads=4,
                decoder_attention_heads=4,
                encoder_ffn_dim=128,
                decoder_ffn_dim=128,
                vocab_size=100,
            )
        ),
        {**ids(), "decoder_input_ids": torch.zeros(1, 8, dtype=torch.long)},
    ),
    "vit": lambda: (
        T.ViTModel(
            T.ViTConfig(
                hidden_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                intermediate_size=128,
                image_size=32,
                patch_size=8,
            )
        ),
        {"pixel_values": torch.zeros(1, 3, 32, 32)},
    ),
    "deit": lambda: (
        T.DeiTModel(
            T.DeiTConfig(
                hidden_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                intermediate_size=128,
                image_size=32,
                patch_size=8,
            )
        ),
        {"pixel_values": torch.zeros(1, 3, 32, 32)},
    ),
    "swin": lambda: (
        T.SwinModel(
            T.SwinConfig(
                image_size=32,
                patch_size=2,
                embed_dim=16,
                depths=[1, 1],
                num_heads=[2, 2],
                window_size=4,
            )
        ),
        {"pixel_values": torch.zeros(1, 3, 32, 32)},
    ),
    "convnext": lambda: (
        T.ConvNextModel(T.ConvNextConfig(hidden_sizes=[16, 32], depths=[1, 1], num_stages=2)),
        {"pixel_values": torch.zeros(1, 3, 32, 32)},
    ),
    "resnet": lambda: (
        T.ResNetModel(T.ResNetConfig(hidden_sizes=[16, 32], depths=[1, 1], embedding_size=16)),
        {"pixel_values": torch.zeros(1, 3, 32, 32)},
    ),
    "mobilevit": lambda: (
        T.MobileViTModel(
            T.MobileViTConfig(
                image_size=32,
                hidden_sizes=[32, 48, 64],
                neck_hidden_sizes=[8, 8, 16, 16, 24, 32, 64],
            )
        ),
        {"pixel_values": torch.zeros(1, 3, 32, 32)},
    ),
    "whisper": lambda: (
        T.WhisperModel(
            T.WhisperConfig(
                pad_token_id=1,
                bos_token_id=2,
                eos_token_id=2,
                decoder_start_token_id=2,
                d_model=64,
                encoder_layers=1,
                decoder_layers=1,
                encoder_attention_heads=4,
                decoder_attention_heads=4,
                encoder_ffn_dim=128,
                decoder_ffn_dim=128,
                num_mel_bins=16,
                max_source_positions=20,
                vocab_size=100,
            )
        ),
        {
            "input_features": torch.zeros(1, 16, 40),
            "decoder_input_ids": torch.zeros(1, 4, dtype=torch.long),
        },
    ),
    "wav2vec2": lambda: (
        T.Wav2Vec2Model(
            T.Wav2Vec2Config(
                hidden_size=64,
                num_hidden_layers=1,
                num_attention_heads=4,
                intermediate_size=128,
                conv_dim=(16, 16),
                conv_kernel=(10, 3),
                conv_stride=(5, 2),
                num_conv_pos_embeddings=16,
                num_conv_pos_embedding_groups=4,
            )
        ),
        {"input_values": torch.zeros(1, 400)},
    ),
    "hubert": lambda: (
        T.HubertModel(
            T.HubertConfig(
                hidden_size=64,
                num_hidden_layers=1,
                num_attention_heads=4,
                intermediate_size=128,
                conv_dim=(16, 16),
                conv_kernel=(10, 3),
                conv_stride=(5, 2),
                num_conv_pos_embeddings=16,
                num_conv_pos_embedding_groups=4,
            )
        ),
        {"input_values": torch.zeros(1, 400)},
    ),
    "clip-text": lambda: (
        T.CLIPTextModel(
            T.CLIPTextConfig(
                hidden_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                intermediate_size=128,
                vocab_size=100,
            )
        ),
        ids(),
    ),
    "mamba": lambda: (
        T.MambaModel(
            T.MambaConfig(hidden_size=64, num_hidden_layers=2, vocab_size=100, state_size=8)
        ),
        ids(),
    ),
}


def px(size=32):
    return {"pixel_values": torch.zeros(1, 3, size, size)}


def encdec(model_cls, cfg):
    return lambda: (
        model_cls(cfg),
        {**ids(), "decoder_input_ids": torch.zeros(1, 8, dtype=torch.long)},
    )


BARTLIKE = dict(
    d_model=64,
    encoder_layers=1,
    decoder_layers=1,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=128,
    decoder_ffn_dim=128,
    vocab_size=100,
    max_position_embeddings=64,
)
AUDIO = dict(
    hidden_size=64,
    num_hidden_layers=1,
    num_attention_heads=4,
    intermediate_size=128,
    conv_dim=(16, 16),
    conv_kernel=(10, 3),
    conv_stride=(5, 2),
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=4,
)
CORPUS.update(
    {
        "xlm-roberta": text(T.XLMRobertaModel, T.XLMRobertaConfig),
        "mobilebert": lambda: (
            T.MobileBertModel(
                T.MobileBertConfig(
                    hidden_size=64,
                    num_hidden_layers=2,
                    num_attention_heads=4,
                    intermediate_size=64,
                    vocab_size=100,
                    embedding_size=32,
                    intra_bottleneck_size=32,
                    true_hidden_size=32,
                    num_feedforward_networks=1,
                )
            ),
            ids(),
        ),
        "roformer": text(T.RoFormerModel, T.RoFormerConfig, embedding_size=64),
        "convbert": text(T.ConvBertModel, T.ConvBertConfig, embedding_size=64),
        "gptj": lambda: (
            T.GPTJModel(T.GPTJConfig(n_embd=64, n_layer=2, n_head=4, vocab_size=100, rotary_dim=8)),
            ids(),
        ),
        "codegen": lambda: (
            T.CodeGenModel(
                T.CodeGenConfig(n_embd=64, n_layer=2, n_head=4, vocab_size=100, rotary_dim=8)
            ),
            ids(),
        ),
        "falcon": text(T.FalconModel, T.FalconConfig),
        "stablelm": text(T.StableLmModel, T.StableLmConfig, num_key_value_heads=2),
        "starcoder2": text(T.Starcoder2Model, T.Starcoder2Config, num_key_value_heads=2),
        "phi3": text(T.Phi3Model, T.Phi3Config, num_key_value_heads=2, pad_token_id=0),
        "olmo": text(T.OlmoModel, T.OlmoConfig),
        "qwen2-moe": text(
            T.Qwen2MoeModel,
            T.Qwen2MoeConfig,
            num_key_value_heads=2,
            num_experts=4,
            num_experts_per_tok=2,
            moe_intermediate_size=64,
            shared_expert_intermediate_size=64,
        ),
        "pegasus": encdec(T.PegasusModel, T.PegasusConfig(**BARTLIKE)),
        "mbart": encdec(T.MBartModel, T.MBartConfig(**BARTLIKE)),
        "marian": encdec(
            T.MarianModel, T.MarianConfig(**BARTLIKE, decoder_vocab_size=100, pad_token_id=1)
        ),
        "beit": lambda: (
            T.BeitModel(
                T.BeitConfig(
                    hidden_size=64,
                    num_hidden_layers=2,
                    num_attention_heads=4,
                    intermediate_size=128,
                    image_size=32,
                    patch_size=8,
                )
            ),
            px(),
        ),
        "dinov2": lambda: (
            T.Dinov2Model(
                T.Dinov2Config(
                    hidden_size=64,
                    num_hidden_layers=2,
                    num_attention_heads=4,
                    mlp_ratio=2,
                    image_size=32,
                    patch_size=8,
                )
            ),
            px(),
        ),
        "segformer": lambda: (
            T.SegformerModel(
                T.SegformerConfig(
                    num_encoder_blocks=2,
                    depths=[1, 1],
                    sr_ratios=[2, 1],
                    hidden_sizes=[16, 32],
                    patch_sizes=[7, 3],
                    strides=[4, 2],
                    num_attention_heads=[1, 2],
                    mlp_ratios=[2, 2],
                )
            ),
            px(),
        ),
        "regnet": lambda: (
            T.RegNetModel(
                T.RegNetConfig(
                    hidden_sizes=[16, 32], depths=[1, 1], embedding_size=16, groups_width=8
                )
            ),
            px(),
        ),
        "levit": lambda: (
            T.LevitModel(
                T.LevitConfig(
                    image_size=64,
                    hidden_sizes=[32, 48, 64],
                    num_attention_heads=[2, 2, 2],
                    depths=[1, 1, 1],
                    key_dim=[8, 8, 8],
                )
            ),
            px(64),
        ),
        "poolformer": lambda: (
            T.PoolFormerModel(
                T.PoolFormerConfig(
                    hidden_sizes=[16, 32],
                    depths=[1, 1],
                    num_encoder_blocks=2,
                    patch_sizes=[7, 3],
                    strides=[4, 2],
                    padding=[2, 1],
                )
            ),
            px(),
        ),
        "efficientnet": lambda: (
            T.EfficientNetModel(
                T.EfficientNetConfig(
                    image_size=32, width_coefficient=0.25, depth_coefficient=0.25, hidden_dim=320
                )
            ),
            px(),
        ),
        "data2vec-audio": lambda: (
            T.Data2VecAudioModel(T.Data2VecAudioConfig(**AUDIO)),
            {"input_values": torch.zeros(1, 400)},
        ),
        "wavlm": lambda: (
            T.WavLMModel(T.WavLMConfig(**AUDIO)),
            {"input_values": torch.zeros(1, 400)},
        ),
        "sew": lambda: (
            T.SEWModel(T.SEWConfig(**AUDIO, squeeze_factor=1)),
            {"input_values": torch.zeros(1, 400)},
        ),
        "mamba2": lambda: (
            T.Mamba2Model(
                T.Mamba2Config(
                    hidden_size=64,
                    num_hidden_layers=2,
                    vocab_size=100,
                    state_size=8,
                    num_heads=8,
                    head_dim=16,
                    n_groups=1,
                    expand=2,
                    chunk_size=16,
                )
            ),
            ids(),
        ),
    }
)


class Wrapped(torch.nn.Module):
    """Calls a model with keyword tensors given positionally (for export), no cache, and
    returns its first output."""

    def __init__(self, model: torch.nn.Module, keys: list[str]) -> None:
        super().__init__()
        self.model, self.keys = model, keys
        params = inspect.signature(model.forward).parameters
        self.extra = {k: False for k in ("use_cache", "return_dict") if k in params}

    def forward(self, *tensors):
        out = self.model(**dict(zip(self.keys, tensors, strict=True)), **self.extra)
        return out[0] if isinstance(out, (tuple, list)) else out


def build(name: str) -> tuple[Wrapped, tuple[torch.Tensor, ...]]:
    """The wrapped model *name* in eval mode and its positional inputs (seeded)."""
    torch.manual_seed(0)
    model, inputs = CORPUS[name]()
    return Wrapped(model.eval(), list(inputs)).eval(), tuple(inputs.values())


def _sdpa_macs_x2(query, key, value, *args, out_shape=None, **kwargs) -> int:
    b, h, s_q, d = query
    return 2 * (b * h * s_q * key[-2] * d + b * h * s_q * key[-2] * value[-1])


def _grouped_mm_x2(x, w, *args, out_shape=None, **kwargs) -> int:
    return 2 * x[0] * w[1] * w[2]


def reference_macs(module: torch.nn.Module, args: tuple) -> int:
    """MACs of one forward pass by the flop counter, with the formulas it lacks."""
    from torch.utils.flop_counter import FlopCounterMode

    custom = {
        torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _sdpa_macs_x2,
        torch.ops.aten._grouped_mm: _grouped_mm_x2,
    }
    grouped = getattr(getattr(torch.ops, "transformers", None), "grouped_mm_fallback", None)
    if grouped is not None:
        custom[grouped] = _grouped_mm_x2
    with torch.no_grad(), FlopCounterMode(display=False, custom_mapping=custom) as counter:
        module(*args)
    return counter.get_total_flops() // 2
