"""The stacked LSTM language model of symbiotic training, its prunable weights and its
resizing (hidden-size moves keep the overlapping weights and masks, gate by gate)."""

from __future__ import annotations

from accelscope.codesign.symbiotic import masks as M

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - exercised only without torch
    from accelscope.errors import MissingDependencyError

    raise MissingDependencyError(
        "symbiotic training needs PyTorch: pip install 'accelscope[torch]'"
    ) from None

GATES = 4  # LSTM weights stack the input, forget, cell and output gates


class StackedLSTM(nn.Module):
    """Embedding -> LSTM(h1) -> LSTM(h2) -> Linear(vocab) (Zaremba et al. 2014 layout)."""

    def __init__(self, vocab: int, emb: int, hidden: tuple[int, int]) -> None:
        super().__init__()
        self.hidden = tuple(int(h) for h in hidden)
        self.emb = nn.Embedding(vocab, emb)
        self.rnn1 = nn.LSTM(emb, self.hidden[0], batch_first=True)
        self.rnn2 = nn.LSTM(self.hidden[0], self.hidden[1], batch_first=True)
        self.dec = nn.Linear(self.hidden[1], vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.rnn1(self.emb(x))
        y, _ = self.rnn2(y)
        return self.dec(y)


#: Prunable weights by IR layer: the LSTMs' input and recurrent weights (as in Yin et
#: al.). The embedding (a lookup, not a GEMM) and the small output layer stay dense.
PRUNABLE: dict[str, tuple[str, ...]] = {
    "rnn1": ("rnn1.weight_ih_l0", "rnn1.weight_hh_l0"),
    "rnn2": ("rnn2.weight_ih_l0", "rnn2.weight_hh_l0"),
}


def prunable(model: StackedLSTM) -> dict[str, torch.nn.Parameter]:
    params = dict(model.named_parameters())
    return {name: params[name] for names in PRUNABLE.values() for name in names}


def full_masks(model: StackedLSTM, block: tuple[int, int]) -> dict[str, torch.Tensor]:
    return {
        name: torch.ones(M.mask_shape(tuple(p.shape), block), dtype=torch.bool)
        for name, p in prunable(model).items()
    }


@torch.no_grad()
def apply_masks(model: StackedLSTM, masks: dict[str, torch.Tensor], block: tuple[int, int]):
    """Zero every weight outside its active blocks."""
    for name, p in prunable(model).items():
        p.mul_(M.expand(masks[name], tuple(p.shape), block))


def nonzero_params(model: StackedLSTM) -> int:
    return int(sum(int((p != 0).sum()) for p in model.parameters()))


def _copy_gated(new: torch.Tensor, old: torch.Tensor, gated: bool) -> None:
    if gated:
        new = new.view(GATES, new.shape[0] // GATES, *new.shape[1:])
        old = old.view(GATES, old.shape[0] // GATES, *old.shape[1:])
    idx = tuple(slice(0, min(a, b)) for a, b in zip(new.shape, old.shape, strict=True))
    new[idx] = old[idx]


@torch.no_grad()
def resize(
    model: StackedLSTM,
    masks: dict[str, torch.Tensor],
    hidden: tuple[int, int],
    block: tuple[int, int],
) -> tuple[StackedLSTM, dict[str, torch.Tensor]]:
    """A copy of *model* with hidden sizes *hidden*: overlapping weights are kept (gate by
    gate); new weights start at zero and inactive, so the function is unchanged when
    growing (new units have zero input and output connections). Masks follow: a block is
    active when any of its copied weights was."""
    vocab, emb = model.emb.num_embeddings, model.emb.embedding_dim
    new = StackedLSTM(vocab, emb, hidden)
    old_params = dict(model.named_parameters())
    old_elem = {n: M.expand(masks[n], tuple(old_params[n].shape), block) for n in prunable(model)}
    new_masks = {}
    for name, p in new.named_parameters():
        gated = name.startswith("rnn")
        p.zero_()
        _copy_gated(p.data, old_params[name].data, gated)
        if name in old_elem:
            elem = torch.zeros(p.shape)
            _copy_gated(elem, old_elem[name], gated)
            shape = M.mask_shape(tuple(p.shape), block)
            new_masks[name] = M.block_sums(elem, block) > 0
            assert new_masks[name].shape == shape
    apply_masks(new, new_masks, block)
    return new, new_masks
