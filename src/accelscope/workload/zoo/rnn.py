"""Recurrent models: a PTB LSTM language model and DeepSpeech2.

``seq_len`` is the number of time steps fed to the model: tokens for the language model,
input spectrogram frames (10 ms hop) for DeepSpeech2.
"""

from __future__ import annotations

from accelscope.workload.network import Network
from accelscope.workload.ops import LSTM, Elementwise
from accelscope.workload.zoo._builder import FMap, NetBuilder, Rows
from accelscope.workload.zoo._registry import ZooEntry, register

# ---- LSTM language model (Zaremba et al. 2014, "medium") ----------------------------------
LM_VOCAB = 10_000
LM_HIDDEN = 650
LM_LAYERS = 2

_LSTM_LM = ZooEntry(
    name="lstm-lm",
    family="rnn",
    description="2-layer LSTM language model, PTB 'medium' (vocab 10000, hidden 650, 35 steps)",
    default_batch=1,
    default_seq_len=35,
    source="Zaremba et al. 2014 'Recurrent neural network regularization' (arXiv:1409.2329), "
    "medium model; structure of the PyTorch examples word_language_model RNNModel",
)


@register(_LSTM_LM)
def lstm_lm(batch: int, seq_len: int | None) -> Network:
    assert seq_len is not None
    b = NetBuilder(batch)
    x = b.embedding("encoder", "input", batch * seq_len, LM_VOCAB, LM_HIDDEN)
    b.emit(
        LSTM(
            name="rnn",
            inputs=(x.src,),
            batch=batch,
            seq_len=seq_len,
            input_size=LM_HIDDEN,
            hidden_size=LM_HIDDEN,
            num_layers=LM_LAYERS,
        )
    )
    logits = b.linear("decoder", Rows("rnn", batch * seq_len, LM_HIDDEN), LM_VOCAB)
    b.softmax("log_softmax", logits)
    return b.network("lstm-lm", "rnn", _LSTM_LM.source, seq_len=seq_len)


# ---- DeepSpeech2 --------------------------------------------------------------------------
#: Spectrogram bins: 16 kHz audio, 20 ms window -> n_fft 320 -> 161 bins (deepspeech.pytorch).
DS2_FREQ_BINS = 161
DS2_HIDDEN = 1024
DS2_RNN_LAYERS = 5
#: Output alphabet: CTC blank, apostrophe, A-Z, space (deepspeech.pytorch labels.json).
DS2_CLASSES = 29

_DEEPSPEECH2 = ZooEntry(
    name="deepspeech2",
    family="rnn",
    description="DeepSpeech2: 2 conv (41x11/2x2, 21x11/2x1, 32 ch) + 5 bi-LSTM x 1024 + FC "
    "to 29 characters; seq_len = spectrogram frames (1000 = 10 s)",
    default_batch=1,
    default_seq_len=1000,
    source="Amodei et al. 2016 'Deep Speech 2' (arXiv:1512.02595), Table 4 '2-layer 2D' "
    "front end; SeanNaren/deepspeech.pytorch v3 model.py and BiDirectionalConfig "
    "(LSTM, hidden 1024, 5 layers)",
)


@register(_DEEPSPEECH2)
def deepspeech2(batch: int, seq_len: int | None) -> Network:
    assert seq_len is not None
    b = NetBuilder(batch)
    # Input (N, 1, freq, time): kernels and strides are (freq, time).
    x = FMap("spectrogram", 1, DS2_FREQ_BINS, seq_len)
    x = b.conv("conv.seq_module.0", x, 32, (41, 11), (2, 2), (20, 5))
    x = b.bn("conv.seq_module.1", x)
    x = b.act("conv.seq_module.2", x, "clip")  # Hardtanh(0, 20)
    x = b.conv("conv.seq_module.3", x, 32, (21, 11), (2, 1), (10, 5))
    x = b.bn("conv.seq_module.4", x)
    x = b.act("conv.seq_module.5", x, "clip")
    steps = x.w
    feats = b.reshape("view", x, "reshape", Rows("", batch * steps, x.c * x.h))
    h = b.shape("transpose", feats, "transpose")
    for i in range(DS2_RNN_LAYERS):
        if i > 0:  # SequenceWise(BatchNorm1d) before every RNN but the first
            h = b.bn(f"rnns.{i}.batch_norm.module", h)
        b.emit(
            LSTM(
                name=f"rnns.{i}.rnn",
                inputs=(h.src,),
                batch=batch,
                seq_len=steps,
                input_size=h.features,
                hidden_size=DS2_HIDDEN,
                bidirectional=True,
            )
        )
        # Forward and backward outputs are summed: (T, N, 2H) -> (T, N, H).
        b.emit(
            Elementwise(
                name=f"rnns.{i}.sum",
                inputs=(f"rnns.{i}.rnn",),
                function="add",
                elements=batch * steps * DS2_HIDDEN,
                num_inputs=2,
            )
        )
        h = Rows(f"rnns.{i}.sum", batch * steps, DS2_HIDDEN)
    h = b.bn("fc.0.module.0", h)
    out = b.linear("fc.0.module.1", h, DS2_CLASSES, bias=False)
    out = b.shape("transpose_1", out, "transpose")
    b.softmax("inference_softmax", out)
    return b.network("deepspeech2", "rnn", _DEEPSPEECH2.source, seq_len=seq_len)
