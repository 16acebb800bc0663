// Weight-stationary systolic array: ROWS x COLS processing elements.
//
// Every PE has registered outputs: it reads its left neighbour's operand register (or the
// left-edge input), its upper neighbour's partial sum (0 on row 0) and its stationary
// weight, and latches a_reg <= a_in and p_reg <= p_in + a_in * w at the clock edge.
// While `load` is high the weight plane shifts down one row per cycle from `w_top` and
// the operand and partial-sum registers are cleared (in-flight values of the previous
// fold are invalidated, as in accelscope's reference simulator).
// Operands are signed DW-bit integers; partial sums signed AW-bit. Each PE is a ws_pe
// instance (below), so synthesis sees one PE module however large the array.
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
    // PE outputs, flattened: PE (r, c) is slice r*COLS + c
    wire [ROWS*COLS*DW-1:0] a_q;
    wire [ROWS*COLS*AW-1:0] p_q;
    wire [ROWS*COLS*DW-1:0] w_q;

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : row
            for (c = 0; c < COLS; c = c + 1) begin : col
                wire [DW-1:0] a_in = (c == 0) ? a_left[r*DW +: DW] : a_q[(r*COLS+c-1)*DW +: DW];
                wire [AW-1:0] p_in = (r == 0) ? {AW{1'b0}} : p_q[((r-1)*COLS+c)*AW +: AW];
                wire [DW-1:0] w_in = (r == 0) ? w_top[c*DW +: DW] : w_q[((r-1)*COLS+c)*DW +: DW];
                ws_pe #(.DW(DW), .AW(AW)) pe (
                    .clk(clk), .load(load), .a_in(a_in), .p_in(p_in), .w_in(w_in),
                    .a_q(a_q[(r*COLS+c)*DW +: DW]), .p_q(p_q[(r*COLS+c)*AW +: AW]),
                    .w_q(w_q[(r*COLS+c)*DW +: DW])
                );
            end
        end
        for (c = 0; c < COLS; c = c + 1) begin : out
            assign p_bottom[c*AW +: AW] = p_q[((ROWS-1)*COLS+c)*AW +: AW];
        end
    endgenerate
endmodule

// One weight-stationary PE: registered operand, partial sum and stationary weight.
module ws_pe #(
    parameter integer DW = 8,
    parameter integer AW = 32
) (
    input  wire                 clk,
    input  wire                 load,
    input  wire signed [DW-1:0] a_in,
    input  wire signed [AW-1:0] p_in,
    input  wire signed [DW-1:0] w_in,
    output reg  signed [DW-1:0] a_q,
    output reg  signed [AW-1:0] p_q,
    output reg  signed [DW-1:0] w_q
);
    // a DW x DW signed product, sign-extended into the AW-bit sum
    wire signed [2*DW-1:0] prod = a_in * w_q;
    always @(posedge clk) begin
        if (load) begin
            w_q <= w_in;
            a_q <= {DW{1'b0}};
            p_q <= {AW{1'b0}};
        end else begin
            a_q <= a_in;
            /* verilator lint_off WIDTH */  // prod: sign-extended to AW
            p_q <= p_in + prod;
            /* verilator lint_on WIDTH */
        end
    end
endmodule
