"""On-chip buffers of the generated tensor unit: banked synchronous memories sized from
the design's spec, and ``buffered_unit.v``, the tile sequencer with one unit reading them.

Every operand buffer holds one buffer tile in the unit's frame (A: ``m x k``, B:
``k x n``, C: ``m x n`` partial sums), cut into one bank per array lane so that each lane
reads its own bank every cycle (the array-edge port width, the model's default ports):

* A, weight-stationary family (ws, and is with transposed operands): ``ROWS`` banks, bank
  ``r`` holds the columns ``k = r mod ROWS``; word ``row * ceil(tk / ROWS) + col / ROWS``.
* A, output-stationary: ``ROWS`` banks, bank ``r`` holds the rows ``m = r mod ROWS``; word
  ``(row / ROWS) * tk + col``.
* B and C: ``COLS`` banks, bank ``j`` holds the columns ``n = j mod COLS``; word
  ``row * ceil(tn / COLS) + col / COLS``. C is at accumulator width with a
  read-modify-write accumulate port (``acc_bank.v``).

Capacities come from the spec: the streamed operand of ws and os and the stationary one
of is from ``input_kib``, the other from ``weight_kib``, C from ``output_kib``; a unified
buffer is split into three equal parts (an assumption: the model only bounds the sum of
the three tile footprints). The DMA side -- filling tiles from DRAM, storing results --
is the testbench's (``sim/sim_buffered.cpp``), through a fill port that writes one
segment (one word per bank) per cycle and a drain port that reads one row segment of C.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from accelscope.errors import SpecError
from accelscope.rtl.generate import SCHEDULE_PORTS, RtlDesign, sequencer_instance, unit_name

#: Largest bank the generator builds (words); 2**24 words is far beyond any real macro.
MAX_BANK_WORDS = 1 << 24


def address_bits(depth_words: int) -> int:
    """Address width of a bank of *depth_words* words (at least one bit)."""
    return max(1, math.ceil(math.log2(depth_words)))


@dataclass(frozen=True)
class BankedBuffer:
    """One operand buffer: ``banks`` banks of ``depth`` words of ``word_bits`` bits."""

    operand: str  # "a", "b" or "c" (the unit's frame)
    spec_buffer: str  # input_kib / weight_kib / output_kib / unified_kib
    capacity_bytes: int
    banks: int
    word_bits: int
    depth: int

    @property
    def address_bits(self) -> int:
        return address_bits(self.depth)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "address_bits": self.address_bits}


@dataclass(frozen=True)
class BufferPlan:
    """The three operand buffers of one tensor unit."""

    a: BankedBuffer
    b: BankedBuffer
    c: BankedBuffer

    def to_dict(self) -> dict[str, Any]:
        return {x.operand: x.to_dict() for x in (self.a, self.b, self.c)}

    def fits(self, design: RtlDesign, tm: int, tk: int, tn: int) -> str | None:
        """None when a tile ``tm x tk x tn`` (unit frame) fits the buffers, else which
        buffer it overflows."""
        a_words = (
            math.ceil(tm / design.rows) * tk
            if design.dataflow == "os"
            else tm * math.ceil(tk / design.rows)
        )
        b_words = tk * math.ceil(tn / design.cols)
        c_words = tm * math.ceil(tn / design.cols)
        for buf, words in ((self.a, a_words), (self.b, b_words), (self.c, c_words)):
            if words > buf.depth:
                return (
                    f"a {tm} x {tk} x {tn} tile needs {words} words per bank of "
                    f"buffer {buf.operand} ({buf.spec_buffer}), which has {buf.depth}"
                )
        return None


def buffer_plan(arch: Any, design: RtlDesign, scale: float = 1.0) -> BufferPlan:
    """The banked buffers of *arch* (an ``Arch``) for *design*'s unit; *scale* multiplies
    every capacity (tests build small buffers). Raises SpecError when a buffer cannot hold
    one word per bank or is absurdly deep."""
    bufs = arch.buffers
    units = design.units
    if bufs.is_unified:
        third = bufs.unified_kib * 1024 / 3
        caps = {"input": (third, "unified_kib"), "weight": (third, "unified_kib"),
                "output": (third, "unified_kib")}  # fmt: skip
    else:
        caps = {"input": (bufs.input_kib * 1024, "input_kib"),
                "weight": (bufs.weight_kib * 1024, "weight_kib"),
                "output": (bufs.output_kib * 1024, "output_kib")}  # fmt: skip
    a_source, b_source = ("weight", "input") if design.dataflow == "is" else ("input", "weight")
    plan = []
    for operand, source, banks, bits in (
        ("a", a_source, design.rows, design.operand_bits),
        ("b", b_source, design.cols, design.operand_bits),
        ("c", "output", design.cols, design.accumulator_bits),
    ):
        total, field = caps[source]
        per_unit = int(total * scale / units)  # the units share the buffer
        depth = per_unit * 8 // (banks * bits)
        if depth < 1:
            raise SpecError(
                f"buffers.{field}: {per_unit} bytes per unit cannot hold one {bits}-bit "
                f"word in each of {banks} banks"
            )
        if depth > MAX_BANK_WORDS:
            raise SpecError(
                f"buffers.{field}: {depth} words per bank; the generator builds at most "
                f"{MAX_BANK_WORDS}"
            )
        plan.append(BankedBuffer(operand, field, per_unit, banks, bits, depth))
    return BufferPlan(*plan)


def buffered_module(design: RtlDesign, plan: BufferPlan) -> str:
    """``buffered_unit``: the tile sequencer (with transfers), one unit reading
    synchronous banked buffers, and the DMA side's fill and drain ports."""
    unit = unit_name(design)
    os_layout = design.dataflow == "os"
    one_b_port = unit == "ws_unit"
    a, b, c = plan.a, plan.b, plan.c
    if one_b_port:
        b_decl = "    wire ub_en;\n    wire [IW-1:0] ub_row, ub_col0;"
        b_conn = ".b_en(ub_en), .b_row(ub_row), .b_col0(ub_col0),"
        b_read = """            wire b_re = ub_en;
            wire [IW-1:0] b_r = ub_row;
            wire [IW-1:0] b_c = ub_col0 + j;"""
    else:
        b_decl = "    wire [COLS-1:0] ub_en;\n    wire [COLS*IW-1:0] ub_row, ub_col;"
        b_conn = ".b_en(ub_en), .b_row(ub_row), .b_col(ub_col),"
        b_read = """            wire b_re = ub_en[j];
            wire [IW-1:0] b_r = ub_row[j*IW +: IW];
            wire [IW-1:0] b_c = ub_col[j*IW +: IW];"""
    if os_layout:  # bank r holds rows m = r mod ROWS
        a_stride = "unit_k"
        a_read_addr = "(ua_row[r*IW +: IW] / ROWS) * a_stride + ua_col[r*IW +: IW]"
        a_fill_addr = "(fill_row / ROWS) * a_stride + fill_col"
        a_layout = "bank r holds rows m = r mod ROWS; word (row / ROWS) * tk + col"
    else:  # bank r holds columns k = r mod ROWS
        a_stride = "(unit_k + ROWS - 1) / ROWS"
        a_read_addr = "ua_row[r*IW +: IW] * a_stride + ua_col[r*IW +: IW] / ROWS"
        a_fill_addr = "fill_row * a_stride + fill_col / ROWS"
        a_layout = "bank r holds columns k = r mod ROWS; word row * ceil(tk / ROWS) + col / ROWS"
    return f"""// A tensor unit with its on-chip buffers: the tile sequencer (tile_sequencer.v, with
// transfers) runs a GEMM as the mapping's buffer tiles; before each tile the DMA side
// (the testbench's DRAM model) fills the tile's operands through the fill port and
// stores finished output tiles through the drain port. The {unit} reads synchronous
// banked buffers (sram_bank.v, acc_bank.v): one bank per lane, data one cycle after the
// address, so the unit runs with SYNC_READ = 1 (its array one cycle behind its
// addresses). Addresses are tile-local, in the unit's frame.
//   A: {a.banks} banks x {a.depth} words x {a.word_bits} bits ({a.spec_buffer});
//      {a_layout}
//   B: {b.banks} banks x {b.depth} words x {b.word_bits} bits ({b.spec_buffer}); bank j holds
//      columns n = j mod COLS; word row * ceil(tn / COLS) + col / COLS
//   C: {c.banks} banks x {c.depth} words x {c.word_bits} bits ({c.spec_buffer}), accumulating;
//      same layout as B
// Fill port: one segment per cycle into buffer fill_sel (0 A, 1 B, 2 C), lanes under
// fill_mask: B, C and A of the weight-stationary family take (fill_row, fill_col + lane)
// with fill_col a multiple of the bank count; A of the output-stationary unit takes
// (fill_row + lane, fill_col) with fill_row a multiple of ROWS. Drain port: C words
// (drain_row, drain_col + j), data in the next cycle.
module buffered_unit #(
    parameter integer ROWS = {design.rows},
    parameter integer COLS = {design.cols},
    parameter integer DW = {design.operand_bits},
    parameter integer AW = {design.accumulator_bits},
    parameter integer IW = 32,
    parameter integer A_DEPTH = {a.depth},
    parameter integer A_ABITS = {a.address_bits},
    parameter integer B_DEPTH = {b.depth},
    parameter integer B_ABITS = {b.address_bits},
    parameter integer C_DEPTH = {c.depth},
    parameter integer C_ABITS = {c.address_bits},
    parameter integer L = (ROWS > COLS) ? ROWS : COLS
) (
{SCHEDULE_PORTS}    // the DMA side
    output wire                 xfer_req,
    output wire                 xfer_final,
    input  wire                 xfer_done,
    output wire [IW-1:0]        tile_m, tile_k, tile_n,
    output wire [IW-1:0]        tile_off_m, tile_off_k, tile_off_n,
    input  wire                 fill_en,
    input  wire [1:0]           fill_sel,
    input  wire [IW-1:0]        fill_row,
    input  wire [IW-1:0]        fill_col,
    input  wire [L-1:0]         fill_mask,
    input  wire [L*AW-1:0]      fill_data,
    input  wire                 drain_en,
    input  wire [IW-1:0]        drain_row,
    input  wire [IW-1:0]        drain_col,
    output wire [COLS*AW-1:0]   drain_data
);
    wire unit_start, unit_done;
    wire [IW-1:0] unit_m, unit_k, unit_n;
    wire [ROWS-1:0] ua_en;
    wire [ROWS*IW-1:0] ua_row, ua_col;
    wire [ROWS*DW-1:0] a_data;
{b_decl}
    wire [COLS*DW-1:0] b_data;
    wire [COLS-1:0] uc_en;
    wire [COLS*IW-1:0] uc_row, uc_col;
    wire [COLS*AW-1:0] uc_data;

{sequencer_instance(xfer=True)}
    assign tile_m = unit_m;
    assign tile_k = unit_k;
    assign tile_n = unit_n;

    {unit} #(.ROWS(ROWS), .COLS(COLS), .DW(DW), .AW(AW), .IW(IW), .SYNC_READ(1)) tu (
        .clk(clk), .rst(rst), .start(unit_start), .m(unit_m), .k(unit_k), .n(unit_n),
        .busy(busy), .done(unit_done),
        .a_en(ua_en), .a_row(ua_row), .a_col(ua_col), .a_data(a_data),
        {b_conn}
        .b_data(b_data),
        .c_en(uc_en), .c_row(uc_row), .c_col(uc_col), .c_data(uc_data)
    );

    // words per row of a tile (tile-local addressing; the tile is fixed while it runs)
    wire [IW-1:0] a_stride = {a_stride};
    wire [IW-1:0] bc_stride = (unit_n + COLS - 1) / COLS;
    // the output tile is stored while the sequencer already points at the next tile:
    // drains use the stride of the tile last computed
    reg [IW-1:0] drain_stride;
    always @(posedge clk) if (unit_start) drain_stride <= bc_stride;

    genvar r, j;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : a_bank
            wire [IW-1:0] raddr = {a_read_addr};
            wire [IW-1:0] waddr = {a_fill_addr};
            sram_bank #(.WIDTH(DW), .DEPTH(A_DEPTH), .ABITS(A_ABITS)) bank (
                .clk(clk), .re(ua_en[r]), .raddr(raddr[A_ABITS-1:0]),
                .rdata(a_data[r*DW +: DW]),
                .we(fill_en && fill_sel == 2'd0 && fill_mask[r]), .waddr(waddr[A_ABITS-1:0]),
                .wdata(fill_data[r*AW +: DW])
            );
        end
        for (j = 0; j < COLS; j = j + 1) begin : bc_bank
{b_read}
            wire [IW-1:0] b_raddr = b_r * bc_stride + b_c / COLS;
            wire [IW-1:0] waddr = fill_row * bc_stride + fill_col / COLS;
            wire [IW-1:0] c_addr = uc_row[j*IW +: IW] * bc_stride + uc_col[j*IW +: IW] / COLS;
            wire [IW-1:0] d_addr = drain_row * drain_stride + drain_col / COLS;
            sram_bank #(.WIDTH(DW), .DEPTH(B_DEPTH), .ABITS(B_ABITS)) b_mem (
                .clk(clk), .re(b_re), .raddr(b_raddr[B_ABITS-1:0]),
                .rdata(b_data[j*DW +: DW]),
                .we(fill_en && fill_sel == 2'd1 && fill_mask[j]), .waddr(waddr[B_ABITS-1:0]),
                .wdata(fill_data[j*AW +: DW])
            );
            acc_bank #(.AW(AW), .DEPTH(C_DEPTH), .ABITS(C_ABITS)) c_mem (
                .clk(clk), .rst(rst),
                .acc_en(uc_en[j]), .acc_addr(c_addr[C_ABITS-1:0]),
                .acc_data(uc_data[j*AW +: AW]),
                .fill_en(fill_en && fill_sel == 2'd2 && fill_mask[j]),
                .fill_addr(waddr[C_ABITS-1:0]), .fill_data(fill_data[j*AW +: AW]),
                .drain_en(drain_en), .drain_addr(d_addr[C_ABITS-1:0]),
                .drain_data(drain_data[j*AW +: AW])
            );
        end
    endgenerate
endmodule
"""
