// Weight-stationary systolic array with pipelined folds: two banks of stationary
// registers per PE, so the next fold's weights are loaded while the current fold streams.
//
// Weight preload: the top edge of column c presents (value, destination row, bank); a
// value falls one row per cycle through the chosen bank's registers until it reaches its
// destination row, where it stays (a register takes the value above it when that value
// is still falling to its row or below, and drops its own when that one is falling
// further). Operands carry the bank of their fold; a PE multiplies the operand entering
// it by the weight of that bank: p <= p_in + a_in * w[bank]. Partial sums flow down as in
// the unpipelined array. This is accelscope's pipelined reference simulator
// (targets/asic/cost/reference_sim_pipelined.py) in hardware.
module wsp_array #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32,
    parameter integer RW = 8  // bits of a destination row index
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   flush,  // clear operands and partial sums (not weights)
    input  wire [COLS*DW-1:0]     w_top,
    input  wire [COLS*RW-1:0]     w_dest,
    input  wire [COLS-1:0]        w_valid,
    input  wire [COLS-1:0]        w_bank,
    input  wire [ROWS*DW-1:0]     a_left,
    input  wire [ROWS-1:0]        a_bank,
    output wire [COLS*AW-1:0]     p_bottom
);
    // PE outputs, flattened: PE (r, c) is slice r*COLS + c
    wire [ROWS*COLS*DW-1:0] w0_q, w1_q, a_q;
    wire [ROWS*COLS*RW-1:0] d0_q, d1_q;
    wire [ROWS*COLS-1:0]    v0_q, v1_q, ab_q;
    wire [ROWS*COLS*AW-1:0] p_q;

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : row
            for (c = 0; c < COLS; c = c + 1) begin : col
                localparam integer I = r * COLS + c;  // this PE
                localparam integer L = r * COLS + c - 1;  // left neighbour (c > 0)
                localparam integer U = (r - 1) * COLS + c;  // upper neighbour (r > 0)
                wire [DW-1:0] a_in;
                wire          ab_in;
                wire [AW-1:0] p_in;
                wire [DW-1:0] up_w0, up_w1;
                wire [RW-1:0] up_d0, up_d1;
                wire          up_v0, up_v1;
                if (c == 0) begin : left_edge
                    assign a_in = a_left[r*DW +: DW];
                    assign ab_in = a_bank[r];
                end else begin : left_pe
                    assign a_in = a_q[L*DW +: DW];
                    assign ab_in = ab_q[L];
                end
                if (r == 0) begin : top_edge
                    assign p_in = {AW{1'b0}};
                    assign up_w0 = w_top[c*DW +: DW];
                    assign up_w1 = w_top[c*DW +: DW];
                    assign up_d0 = w_dest[c*RW +: RW];
                    assign up_d1 = w_dest[c*RW +: RW];
                    assign up_v0 = w_valid[c] && !w_bank[c];
                    assign up_v1 = w_valid[c] && w_bank[c];
                end else begin : upper_pe
                    assign p_in = p_q[U*AW +: AW];
                    assign up_w0 = w0_q[U*DW +: DW];
                    assign up_w1 = w1_q[U*DW +: DW];
                    assign up_d0 = d0_q[U*RW +: RW];
                    assign up_d1 = d1_q[U*RW +: RW];
                    assign up_v0 = v0_q[U];
                    assign up_v1 = v1_q[U];
                end
                wsp_pe #(.DW(DW), .AW(AW), .RW(RW), .ROW(r)) pe (
                    .clk(clk), .rst(rst), .flush(flush), .a_in(a_in), .ab_in(ab_in),
                    .p_in(p_in), .up_w0(up_w0), .up_w1(up_w1), .up_d0(up_d0), .up_d1(up_d1),
                    .up_v0(up_v0), .up_v1(up_v1),
                    .a_q(a_q[I*DW +: DW]), .ab_q(ab_q[I]), .p_q(p_q[I*AW +: AW]),
                    .w0_q(w0_q[I*DW +: DW]), .w1_q(w1_q[I*DW +: DW]),
                    .d0_q(d0_q[I*RW +: RW]), .d1_q(d1_q[I*RW +: RW]),
                    .v0_q(v0_q[I]), .v1_q(v1_q[I])
                );
            end
        end
        for (c = 0; c < COLS; c = c + 1) begin : out
            assign p_bottom[c*AW +: AW] = p_q[((ROWS-1)*COLS+c)*AW +: AW];
        end
    endgenerate
endmodule

// One PE of the pipelined array in row ROW: two stationary banks, each with its
// destination row and valid bit, the operand with its bank bit, and the partial sum.
module wsp_pe #(
    parameter integer DW = 8,
    parameter integer AW = 32,
    parameter integer RW = 8,
    parameter integer ROW = 0
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 flush,
    input  wire signed [DW-1:0] a_in,
    input  wire                 ab_in,
    input  wire signed [AW-1:0] p_in,
    input  wire signed [DW-1:0] up_w0,
    input  wire signed [DW-1:0] up_w1,
    input  wire        [RW-1:0] up_d0,
    input  wire        [RW-1:0] up_d1,
    input  wire                 up_v0,
    input  wire                 up_v1,
    output reg  signed [DW-1:0] a_q,
    output reg                  ab_q,
    output reg  signed [AW-1:0] p_q,
    output reg  signed [DW-1:0] w0_q,
    output reg  signed [DW-1:0] w1_q,
    output reg         [RW-1:0] d0_q,
    output reg         [RW-1:0] d1_q,
    output reg                  v0_q,
    output reg                  v1_q
);
    localparam [RW-1:0] ROW_INDEX = ROW[RW-1:0];
    /* verilator lint_off UNSIGNED */
    wire in0 = up_v0 && (up_d0 >= ROW_INDEX);
    wire in1 = up_v1 && (up_d1 >= ROW_INDEX);
    /* verilator lint_on UNSIGNED */
    wire out0 = v0_q && (d0_q > ROW_INDEX);
    wire out1 = v1_q && (d1_q > ROW_INDEX);
    wire signed [DW-1:0] w_sel = ab_in ? w1_q : w0_q;
    // a DW x DW signed product, sign-extended into the AW-bit sum
    wire signed [2*DW-1:0] prod = a_in * w_sel;
    always @(posedge clk) begin
        if (rst) begin
            v0_q <= 1'b0;
            v1_q <= 1'b0;
            w0_q <= {DW{1'b0}};
            w1_q <= {DW{1'b0}};
            d0_q <= {RW{1'b0}};
            d1_q <= {RW{1'b0}};
            a_q <= {DW{1'b0}};
            ab_q <= 1'b0;
            p_q <= {AW{1'b0}};
        end else begin
            if (in0) begin
                w0_q <= up_w0; d0_q <= up_d0; v0_q <= 1'b1;
            end else if (out0) begin
                w0_q <= {DW{1'b0}}; v0_q <= 1'b0;
            end
            if (in1) begin
                w1_q <= up_w1; d1_q <= up_d1; v1_q <= 1'b1;
            end else if (out1) begin
                w1_q <= {DW{1'b0}}; v1_q <= 1'b0;
            end
            a_q <= flush ? {DW{1'b0}} : a_in;
            ab_q <= ab_in;
            // (an if, not ?:, so that the sum stays a signed expression)
            if (flush) p_q <= {AW{1'b0}};
            /* verilator lint_off WIDTH */  // prod: sign-extended to AW
            else p_q <= p_in + prod;
            /* verilator lint_on WIDTH */
        end
    end
endmodule
