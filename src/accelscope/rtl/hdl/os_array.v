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
    reg signed [DW-1:0] a_reg [0:ROWS-1][0:COLS-1];
    reg signed [DW-1:0] b_reg [0:ROWS-1][0:COLS-1];
    reg signed [AW-1:0] acc   [0:ROWS-1][0:COLS-1];

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : row
            for (c = 0; c < COLS; c = c + 1) begin : col
                wire signed [DW-1:0] a_in = (c == 0) ? a_left[r*DW +: DW] : a_reg[r][c-1];
                wire signed [DW-1:0] b_in = (r == 0) ? b_top[c*DW +: DW] : b_reg[r-1][c];
                wire signed [AW-1:0] acc_above = (r == 0) ? {AW{1'b0}} : acc[r-1][c];
                // a DW x DW signed product, sign-extended into the AW-bit sum
                wire signed [2*DW-1:0] prod = a_in * b_in;
                always @(posedge clk) begin
                    if (rst) begin
                        a_reg[r][c] <= {DW{1'b0}};
                        b_reg[r][c] <= {DW{1'b0}};
                        acc[r][c] <= {AW{1'b0}};
                    end else if (drain) begin
                        a_reg[r][c] <= {DW{1'b0}};
                        b_reg[r][c] <= {DW{1'b0}};
                        acc[r][c] <= acc_above;
                    end else begin
                        a_reg[r][c] <= a_in;
                        b_reg[r][c] <= b_in;
                        /* verilator lint_off WIDTH */  // prod: sign-extended to AW
                        acc[r][c] <= acc[r][c] + prod;
                        /* verilator lint_on WIDTH */
                    end
                end
            end
        end
        for (c = 0; c < COLS; c = c + 1) begin : out
            assign acc_bottom[c*AW +: AW] = acc[ROWS-1][c];
        end
    endgenerate
endmodule
