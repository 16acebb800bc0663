// Output-stationary systolic array: ROWS x COLS processing elements, each accumulating
// one output.
//
// Compute (`drain` low): a PE latches its left input a_in (column 0: `a_left`) and its
// upper input b_in (row 0: `b_top`) and adds their product to its accumulator.
// Drain (`drain` high): the accumulators shift down one row per cycle (row 0 takes zero),
// so the bottom row presents row ROWS-1, ROWS-2, ... of the fold's results on `acc_bottom`,
// and the operand registers are cleared (in-flight values of the fold are dropped, as in
// accelscope's reference simulator); after ROWS drain cycles every accumulator is zero.
module os_array #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   drain,
    input  wire [ROWS*DW-1:0]     a_left,
    input  wire [COLS*DW-1:0]     b_top,
    output wire [COLS*AW-1:0]     acc_bottom
);
    // PE outputs, flattened: PE (r, c) is slice r*COLS + c
    wire [ROWS*COLS*DW-1:0] a_q;
    wire [ROWS*COLS*DW-1:0] b_q;
    wire [ROWS*COLS*AW-1:0] acc_q;

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : row
            for (c = 0; c < COLS; c = c + 1) begin : col
                wire [DW-1:0] a_in = (c == 0) ? a_left[r*DW +: DW] : a_q[(r*COLS+c-1)*DW +: DW];
                wire [DW-1:0] b_in = (r == 0) ? b_top[c*DW +: DW] : b_q[((r-1)*COLS+c)*DW +: DW];
                wire [AW-1:0] acc_above = (r == 0) ? {AW{1'b0}} : acc_q[((r-1)*COLS+c)*AW +: AW];
                os_pe #(.DW(DW), .AW(AW)) pe (
                    .clk(clk), .rst(rst), .drain(drain), .a_in(a_in), .b_in(b_in),
                    .acc_above(acc_above), .a_q(a_q[(r*COLS+c)*DW +: DW]),
                    .b_q(b_q[(r*COLS+c)*DW +: DW]), .acc_q(acc_q[(r*COLS+c)*AW +: AW])
                );
            end
        end
        for (c = 0; c < COLS; c = c + 1) begin : out
            assign acc_bottom[c*AW +: AW] = acc_q[((ROWS-1)*COLS+c)*AW +: AW];
        end
    endgenerate
endmodule

// One output-stationary PE: registered operands (right and down) and its accumulator.
module os_pe #(
    parameter integer DW = 8,
    parameter integer AW = 32
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 drain,
    input  wire signed [DW-1:0] a_in,
    input  wire signed [DW-1:0] b_in,
    input  wire signed [AW-1:0] acc_above,
    output reg  signed [DW-1:0] a_q,
    output reg  signed [DW-1:0] b_q,
    output reg  signed [AW-1:0] acc_q
);
    // a DW x DW signed product, sign-extended into the AW-bit sum
    wire signed [2*DW-1:0] prod = a_in * b_in;
    always @(posedge clk) begin
        if (rst) begin
            a_q <= {DW{1'b0}};
            b_q <= {DW{1'b0}};
            acc_q <= {AW{1'b0}};
        end else if (drain) begin
            a_q <= {DW{1'b0}};
            b_q <= {DW{1'b0}};
            acc_q <= acc_above;
        end else begin
            a_q <= a_in;
            b_q <= b_in;
            /* verilator lint_off WIDTH */  // prod: sign-extended to AW
            acc_q <= acc_q + prod;
            /* verilator lint_on WIDTH */
        end
    end
endmodule
