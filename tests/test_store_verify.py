"""The result store verifies every committed part on resume: damaged, truncated, empty,
foreign or renamed parts are reported, discarded and recomputed, and the final table
equals a clean run's (issue 11)."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from accelscope.search import space_from_dict
from accelscope.search.runner import explore
from accelscope.store.parts import PartDiscardedWarning, PartStore, table_checksum
from accelscope.workload import zoo

SPACE = {
    "name": "verify",
    "parameters": {
        "rows": [8, 16, 32],
        "cols": [8, 16, 32],
        "units": [1, 2],
        "dataflow": ["ws", "os"],
        "unified_kib": [128, 512],
        "dram_gbps": [8, 32],
        "clock_mhz": 1000,
    },
}  # 144 points, 6 parts of 24
OTHER = {**SPACE, "name": "other", "parameters": {**SPACE["parameters"], "lanes": 64}}
CHUNK = 24


def _run(out, space=SPACE):
    return explore(
        zoo.get("alexnet"), space_from_dict(space), objectives=["latency"], out_dir=out,
        chunk_size=CHUNK,
    )  # fmt: skip


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "run"
    return out, _run(out).table


def _fresh_copy(clean_dir, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(clean_dir, out)
    return out


def _parts(out):
    return sorted((out / "parts").glob("*.parquet"))


def _resume_and_check(out, clean_table, expected_part, reason):
    with pytest.warns(PartDiscardedWarning, match=reason) as record:
        res = _run(out)
    assert any(expected_part in str(w.message) for w in record)
    assert res.table.equals(clean_table)


def test_clean_resume_reads_every_part_without_warnings(clean, tmp_path, recwarn):
    out = _fresh_copy(clean[0], tmp_path)
    assert len(_parts(out)) == 6
    res = _run(out)
    assert not [w for w in recwarn if issubclass(w.category, PartDiscardedWarning)]
    assert res.table.equals(clean[1])


def test_flipped_byte_is_detected(clean, tmp_path):
    out = _fresh_copy(clean[0], tmp_path)
    part = _parts(out)[2]
    data = bytearray(part.read_bytes())
    data[len(data) // 3] ^= 0x5A  # inside the column chunks
    part.write_bytes(bytes(data))
    _resume_and_check(out, clean[1], part.stem, "discarded")


def test_silently_changed_value_fails_the_checksum(clean, tmp_path):
    # A value changed but the file still decodes and keeps the old metadata: only the
    # checksum can tell.
    out = _fresh_copy(clean[0], tmp_path)
    part = _parts(out)[1]
    table = pq.read_table(part)
    lat = table.column("latency_s").to_pylist()
    lat[0] = lat[0] * 0.5
    import pyarrow as pa

    changed = table.set_column(
        table.schema.get_field_index("latency_s"), "latency_s", pa.array(lat)
    )
    pq.write_table(changed.replace_schema_metadata(table.schema.metadata), part)
    assert table_checksum(changed) != table.schema.metadata[b"accelscope.sha256"].decode()
    _resume_and_check(out, clean[1], part.stem, "does not match its checksum")


def test_truncated_and_empty_parts(clean, tmp_path):
    out = _fresh_copy(clean[0], tmp_path)
    parts = _parts(out)
    parts[0].write_bytes(parts[0].read_bytes()[:100])
    parts[4].write_bytes(b"")
    with pytest.warns(PartDiscardedWarning, match="unreadable") as record:
        res = _run(out)
    named = " ".join(str(w.message) for w in record)
    assert parts[0].stem in named and parts[4].stem in named
    assert res.table.equals(clean[1])


def test_part_from_another_run_is_not_reused(clean, tmp_path):
    # Same part name, other space: the old store deduplicated it away (rows lost).
    other_out = tmp_path / "other"
    _run(other_out, OTHER)
    out = _fresh_copy(clean[0], tmp_path)
    victim = _parts(out)[3]
    shutil.copy(other_out / "parts" / victim.name, victim)
    _resume_and_check(out, clean[1], victim.stem, "different run")


def test_deleted_run_json_with_foreign_parts(clean, tmp_path):
    other_out = tmp_path / "other"
    _run(other_out, OTHER)
    (other_out / "run.json").unlink()
    # Resuming *this* space in a directory that only holds another space's parts.
    with pytest.warns(PartDiscardedWarning, match="different run"):
        res = _run(other_out)
    assert res.table.equals(clean[1])


def test_renamed_part_is_rejected(clean, tmp_path):
    out = _fresh_copy(clean[0], tmp_path)
    a, b = _parts(out)[0], _parts(out)[1]
    shutil.copy(a, b)  # b now holds a's rows under b's name
    _resume_and_check(out, clean[1], b.stem, "holds part")


def test_store_reports_what_it_discarded(tmp_path):
    import pyarrow as pa

    store = PartStore(tmp_path / "s", {"k": 1})
    store.write("p0", pa.table({"x": [1, 2, 3]}))
    assert store.read("p0").schema.metadata is None  # the store's stamp stays internal
    (tmp_path / "s" / "parts" / "p1.parquet").write_bytes(b"PAR1 not really")
    with pytest.warns(PartDiscardedWarning):
        again = PartStore(tmp_path / "s", {"k": 1})
    assert again.discarded == [("p1", again.discarded[0][1])]
    assert again.names() == ["p0"]


def test_huge_space_with_time_budget_stops_cleanly(tmp_path):
    # 1.05e12 grid points: chunks are generated lazily, so a time budget stops after the
    # first chunks without building 1.6e7 index arrays first (which exhausted memory).
    huge = {
        "name": "huge",
        "parameters": {
            "clock_mhz": {"range": [500, 1500, 1]},
            "rows": {"range": [4, 256, 1]},
            "cols": {"range": [4, 256, 1]},
            "units": {"range": [1, 64, 1]},
            "lanes": {"range": [1, 256, 1]},
            "dram_gbps": 64,
            "unified_kib": 1024,
        },
    }
    space = space_from_dict(huge)
    assert space.size > 10**12
    res = explore(
        zoo.get("alexnet"), space, objectives=["latency"], strategy="exhaustive",
        time_budget_s=0.5, chunk_size=4096, out_dir=tmp_path / "huge",
    )  # fmt: skip
    assert 4096 <= res.table.num_rows < 10**7
    assert sorted(p.stem for p in (tmp_path / "huge" / "parts").glob("*.parquet"))[0] == (
        "chunk-000000"
    )


def test_results_of_another_model_version_are_not_resumed(tmp_path, monkeypatch):
    import pyarrow as pa

    from accelscope.errors import SpecError
    from accelscope.store import parts

    spec = {"k": 1}
    store = PartStore(tmp_path / "s", spec)
    store.write("p0", pa.table({"x": [1, 2, 3]}))
    # The same command after an upgrade that changed the model (or added a column).
    monkeypatch.setattr(parts, "model_identity", lambda: "9.9.9+0123456789abcdef")
    with pytest.raises(SpecError, match=r"another model version .*9\.9\.9\+0123456789abcdef"):
        PartStore(tmp_path / "s", spec)
    # a different command is still named as such
    with pytest.raises(SpecError, match="a different run"):
        PartStore(tmp_path / "s", {"k": 2})
    fresh = PartStore(tmp_path / "s", spec, overwrite=True)
    assert fresh.names() == []


def test_the_model_identity_changes_with_the_model_sources(tmp_path, monkeypatch):
    from accelscope.store import model_identity as mi

    base = mi.model_identity()
    assert base == mi.model_identity()  # stable within a process
    root = tmp_path / "accelscope"
    for package in mi.MODEL_PACKAGES:
        (root / package).mkdir(parents=True)
        (root / package / "m.py").write_text("X = 1\n")
    fake = root / "store" / "model_identity.py"
    fake.parent.mkdir()
    fake.write_text("")
    monkeypatch.setattr(mi, "__file__", str(fake))
    mi.model_identity.cache_clear()
    try:
        first = mi.model_identity()
        (root / "targets" / "m.py").write_text("X = 2\n")
        mi.model_identity.cache_clear()
        assert mi.model_identity() != first
    finally:
        monkeypatch.undo()
        mi.model_identity.cache_clear()
    assert mi.model_identity() == base
