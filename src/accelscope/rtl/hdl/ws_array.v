// Weight-stationary systolic array: ROWS x COLS processing elements.
//
// Every PE has registered outputs: it reads its left neighbour's operand register (or the
// left-edge input), its upper neighbour's partial sum (0 on row 0) and its stationary
// weight, and latches a_reg <= a_in and p_reg <= p_in + a_in * w at the clock edge.
// While `load` is high the weight plane shifts down one row per cycle from `w_top` and
// the operand and partial-sum registers are cleared (in-flight values of the previous
// fold are invalidated, as in accelscope's reference simulator).
// Operands are signed DW-bit integers; partial sums signed AW-bit.
module ws_array #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32
) (
    input  wire                   clk,
    input  wire                   load,
    input  wire [COLS*DW-1:0]     w_top,
    input  wire [ROWS*DW-1:0]     a_left,
    output wire [COLS*AW-1:0]     p_bottom
);
    wire signed [DW-1:0] a_in  [0:ROWS-1][0:COLS-1];
    wire signed [AW-1:0] p_in  [0:ROWS-1][0:COLS-1];
    wire signed [DW-1:0] w_in  [0:ROWS-1][0:COLS-1];
    reg  signed [DW-1:0] a_reg [0:ROWS-1][0:COLS-1];
    reg  signed [AW-1:0] p_reg [0:ROWS-1][0:COLS-1];
    reg  signed [DW-1:0] w_reg [0:ROWS-1][0:COLS-1];

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : row
            for (c = 0; c < COLS; c = c + 1) begin : col
                if (c == 0) begin : left_edge
                    assign a_in[r][c] = a_left[r*DW +: DW];
                end else begin : left_pe
                    assign a_in[r][c] = a_reg[r][c-1];
                end
                if (r == 0) begin : top_edge
                    assign p_in[r][c] = {AW{1'b0}};
                    assign w_in[r][c] = w_top[c*DW +: DW];
                end else begin : upper_pe
                    assign p_in[r][c] = p_reg[r-1][c];
                    assign w_in[r][c] = w_reg[r-1][c];
                end
                // a DW x DW signed product, sign-extended into the AW-bit sum
                wire signed [2*DW-1:0] prod = a_in[r][c] * w_reg[r][c];
                always @(posedge clk) begin
                    if (load) begin
                        w_reg[r][c] <= w_in[r][c];
                        a_reg[r][c] <= {DW{1'b0}};
                        p_reg[r][c] <= {AW{1'b0}};
                    end else begin
                        a_reg[r][c] <= a_in[r][c];
                        /* verilator lint_off WIDTH */  // prod: sign-extended to AW
                        p_reg[r][c] <= p_in[r][c] + prod;
                        /* verilator lint_on WIDTH */
                    end
                end
            end
            if (r == ROWS - 1) begin : bottom
                for (c = 0; c < COLS; c = c + 1) begin : out
                    assign p_bottom[c*AW +: AW] = p_reg[r][c];
                end
            end
        end
    endgenerate
endmodule
