// Buffer-tile sequencer: runs a GEMM (m x k) * (k x n), in the unit's frame, as the
// sequence of buffer tiles the cost model's mapping chose, one unit run per tile.
//
// Each dimension d in {m, k, n} is cut into tiles given by a small schedule: cnt_a tiles
// of size_a, then cnt_b tiles of size_b (plain tiling: size_a = t, size_b = the
// remainder; balanced chunks of the streamed dimension: size_a = lo + 1, size_b = lo).
// The loop order is three dimension selectors (0 = m, 1 = k, 2 = n; outer, middle, inner).
// For every tile the sequencer starts the unit on the sub-GEMM and offsets its buffer
// addresses (`off_m`, `off_k`, `off_n`); partial sums of k tiles accumulate in the
// output buffer. Between tiles the unit is idle for two cycles (start, and the cycle in
// which the sequencer sees `done`); those cycles are not the unit's compute cycles.
//
// With XFER = 1 (on-chip buffers that hold one tile, filled from DRAM) the sequencer
// asks for each tile's operands before starting the unit: `xfer_req` is high, with the
// tile on `unit_*` / `off_*`, until the DMA side answers `xfer_done`; after the last tile
// it asks once more with `xfer_final` high (store the last output tile), then reports
// `done`. Transfers do not overlap compute (one tile buffer per operand).
module tile_sequencer #(
    parameter integer IW = 32,
    parameter integer XFER = 0
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          start,
    input  wire [IW-1:0] size_a_m, cnt_a_m, size_b_m, cnt_b_m,
    input  wire [IW-1:0] size_a_k, cnt_a_k, size_b_k, cnt_b_k,
    input  wire [IW-1:0] size_a_n, cnt_a_n, size_b_n, cnt_b_n,
    input  wire [1:0]    outer, middle, inner,
    output reg           done,
    // the unit
    output reg           unit_start,
    output wire [IW-1:0] unit_m, unit_k, unit_n,
    output wire [IW-1:0] off_m, off_k, off_n,
    input  wire          unit_done,
    // the DMA side (XFER = 1)
    output wire          xfer_req,
    output wire          xfer_final,
    input  wire          xfer_done
);
    localparam [2:0] IDLE = 3'd0, LAUNCH = 3'd1, WAIT = 3'd2, FETCH = 3'd3, FINAL = 3'd4;
    localparam [2:0] NEXT = (XFER != 0) ? FETCH : LAUNCH;  // state before each tile
    reg [2:0] state;
    assign xfer_req = (state == FETCH) || (state == FINAL);
    assign xfer_final = (state == FINAL);
    reg [IW-1:0] idx [0:2];  // tiles done along m, k, n
    reg [IW-1:0] off [0:2];

    wire [IW-1:0] size_a [0:2];
    wire [IW-1:0] cnt_a [0:2];
    wire [IW-1:0] size_b [0:2];
    wire [IW-1:0] total [0:2];
    wire [IW-1:0] size [0:2];
    assign size_a[0] = size_a_m; assign cnt_a[0] = cnt_a_m; assign size_b[0] = size_b_m;
    assign size_a[1] = size_a_k; assign cnt_a[1] = cnt_a_k; assign size_b[1] = size_b_k;
    assign size_a[2] = size_a_n; assign cnt_a[2] = cnt_a_n; assign size_b[2] = size_b_n;
    assign total[0] = cnt_a_m + cnt_b_m;
    assign total[1] = cnt_a_k + cnt_b_k;
    assign total[2] = cnt_a_n + cnt_b_n;
    genvar g;
    generate
        for (g = 0; g < 3; g = g + 1) begin : dim
            assign size[g] = (idx[g] < cnt_a[g]) ? size_a[g] : size_b[g];
        end
    endgenerate
    assign unit_m = size[0];
    assign unit_k = size[1];
    assign unit_n = size[2];
    assign off_m = off[0];
    assign off_k = off[1];
    assign off_n = off[2];

    // the innermost dimension that still has a tile to go (3: none, the GEMM is done)
    wire inner_more = idx[inner] + 1 < total[inner];
    wire middle_more = idx[middle] + 1 < total[middle];
    wire outer_more = idx[outer] + 1 < total[outer];

    integer d;
    always @(posedge clk) begin
        done <= 1'b0;
        unit_start <= 1'b0;
        if (rst) begin
            state <= IDLE;
        end else case (state)
            IDLE: if (start) begin
                for (d = 0; d < 3; d = d + 1) begin
                    idx[d] <= 0;
                    off[d] <= 0;
                end
                if (total[0] == 0 || total[1] == 0 || total[2] == 0) begin
                    done <= 1'b1;
                end else begin
                    state <= NEXT;
                end
            end
            FETCH: if (xfer_done) state <= LAUNCH;
            FINAL: if (xfer_done) begin
                state <= IDLE;
                done <= 1'b1;
            end
            LAUNCH: begin
                unit_start <= 1'b1;
                state <= WAIT;
            end
            WAIT: if (unit_done) begin
                if (inner_more) begin
                    idx[inner] <= idx[inner] + 1;
                    off[inner] <= off[inner] + size[inner];
                    state <= NEXT;
                end else if (middle_more) begin
                    idx[inner] <= 0;
                    off[inner] <= 0;
                    idx[middle] <= idx[middle] + 1;
                    off[middle] <= off[middle] + size[middle];
                    state <= NEXT;
                end else if (outer_more) begin
                    idx[inner] <= 0;
                    off[inner] <= 0;
                    idx[middle] <= 0;
                    off[middle] <= 0;
                    idx[outer] <= idx[outer] + 1;
                    off[outer] <= off[outer] + size[outer];
                    state <= NEXT;
                end else if (XFER != 0) begin
                    state <= FINAL;
                end else begin
                    state <= IDLE;
                    done <= 1'b1;
                end
            end
            default: state <= IDLE;
        endcase
    end
endmodule
