// Output-stationary systolic array with pipelined folds: ROWS x COLS PEs, each with an
// accumulator and a drain register.
//
// Operands flow as in the unpipelined array (A right, B down), A with three flags: valid,
// first (k = 0: the accumulator restarts) and last (k = K-1), B with a valid bit. A PE
// multiplies when both of its inputs are valid: acc <= (first ? 0 : acc) + a * b. On the
// edge after its last multiply the result moves into the PE's drain register; the drain
// registers of a column form a chain that shifts up one row per cycle, and the top row
// presents it to the output buffer (`d_top`). The next fold's multiplies may start in the
// same PE while the chain drains, so drain is paid once per GEMM. This is accelscope's
// pipelined reference simulator (targets/asic/cost/reference_sim_pipelined.py,
// `simulate_output_stationary`) in hardware; the sequencer spaces the folds so that no
// result overtakes another in the chain.
module osp_array #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [ROWS*DW-1:0]     a_left,
    input  wire [ROWS-1:0]        a_valid,
    input  wire [ROWS-1:0]        a_first,
    input  wire [ROWS-1:0]        a_last,
    input  wire [COLS*DW-1:0]     b_top,
    input  wire [COLS-1:0]        b_valid,
    output wire [COLS*AW-1:0]     d_top
);
    // PE outputs, flattened: PE (r, c) is slice r*COLS + c
    wire [ROWS*COLS*DW-1:0] a_q, b_q;
    wire [ROWS*COLS-1:0]    av_q, af_q, al_q, bv_q;
    wire [ROWS*COLS*AW-1:0] d_q;

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : row
            for (c = 0; c < COLS; c = c + 1) begin : col
                localparam integer I = r * COLS + c;
                wire [DW-1:0] a_in;
                wire          av_in, af_in, al_in;
                wire [DW-1:0] b_in;
                wire          bv_in;
                wire [AW-1:0] d_below;
                if (c == 0) begin : left_edge
                    assign a_in = a_left[r*DW +: DW];
                    assign av_in = a_valid[r];
                    assign af_in = a_first[r];
                    assign al_in = a_last[r];
                end else begin : left_pe
                    assign a_in = a_q[(I-1)*DW +: DW];
                    assign av_in = av_q[I-1];
                    assign af_in = af_q[I-1];
                    assign al_in = al_q[I-1];
                end
                if (r == 0) begin : top_edge
                    assign b_in = b_top[c*DW +: DW];
                    assign bv_in = b_valid[c];
                end else begin : upper_pe
                    assign b_in = b_q[(I-COLS)*DW +: DW];
                    assign bv_in = bv_q[I-COLS];
                end
                if (r == ROWS - 1) begin : bottom_edge
                    assign d_below = {AW{1'b0}};
                end else begin : lower_pe
                    assign d_below = d_q[(I+COLS)*AW +: AW];
                end
                osp_pe #(.DW(DW), .AW(AW)) pe (
                    .clk(clk), .rst(rst), .a_in(a_in), .av_in(av_in), .af_in(af_in),
                    .al_in(al_in), .b_in(b_in), .bv_in(bv_in), .d_below(d_below),
                    .a_q(a_q[I*DW +: DW]), .av_q(av_q[I]), .af_q(af_q[I]), .al_q(al_q[I]),
                    .b_q(b_q[I*DW +: DW]), .bv_q(bv_q[I]), .d_q(d_q[I*AW +: AW])
                );
            end
        end
        for (c = 0; c < COLS; c = c + 1) begin : out
            assign d_top[c*AW +: AW] = d_q[c*AW +: AW];
        end
    endgenerate
endmodule

// One PE of the pipelined output-stationary array: operand registers with their flags,
// the accumulator, and the drain register (a link of its column's drain chain).
module osp_pe #(
    parameter integer DW = 8,
    parameter integer AW = 32
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire signed [DW-1:0] a_in,
    input  wire                 av_in,
    input  wire                 af_in,
    input  wire                 al_in,
    input  wire signed [DW-1:0] b_in,
    input  wire                 bv_in,
    input  wire        [AW-1:0] d_below,
    output reg  signed [DW-1:0] a_q,
    output reg                  av_q,
    output reg                  af_q,
    output reg                  al_q,
    output reg  signed [DW-1:0] b_q,
    output reg                  bv_q,
    output reg         [AW-1:0] d_q
);
    reg signed [AW-1:0] acc;
    reg                 finished;  // the last multiply of a fold happened at the last edge
    wire                mac = av_in && bv_in;
    // a DW x DW signed product, sign-extended into the AW-bit sum
    wire signed [2*DW-1:0] prod = a_in * b_in;
    always @(posedge clk) begin
        if (rst) begin
            av_q <= 1'b0;
            af_q <= 1'b0;
            al_q <= 1'b0;
            bv_q <= 1'b0;
            finished <= 1'b0;
            a_q <= {DW{1'b0}};
            b_q <= {DW{1'b0}};
            acc <= {AW{1'b0}};
            d_q <= {AW{1'b0}};
        end else begin
            a_q <= a_in;
            av_q <= av_in;
            af_q <= af_in;
            al_q <= al_in;
            b_q <= b_in;
            bv_q <= bv_in;
            /* verilator lint_off WIDTH */  // prod: sign-extended to AW
            if (mac && af_in) acc <= prod;
            else if (mac) acc <= acc + prod;
            /* verilator lint_on WIDTH */
            finished <= mac && al_in;
            d_q <= finished ? acc : d_below;
        end
    end
endmodule
