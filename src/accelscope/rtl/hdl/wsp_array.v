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
    reg signed [DW-1:0] w0 [0:ROWS-1][0:COLS-1];
    reg signed [DW-1:0] w1 [0:ROWS-1][0:COLS-1];
    reg        [RW-1:0] d0 [0:ROWS-1][0:COLS-1];
    reg        [RW-1:0] d1 [0:ROWS-1][0:COLS-1];
    reg                 v0 [0:ROWS-1][0:COLS-1];
    reg                 v1 [0:ROWS-1][0:COLS-1];
    reg signed [DW-1:0] a_reg [0:ROWS-1][0:COLS-1];
    reg                 ab_reg [0:ROWS-1][0:COLS-1];
    reg signed [AW-1:0] p_reg [0:ROWS-1][0:COLS-1];

    genvar r, c;
    generate
        for (r = 0; r < ROWS; r = r + 1) begin : row
            for (c = 0; c < COLS; c = c + 1) begin : col
                wire signed [DW-1:0] a_in;
                wire                 ab_in;
                wire signed [AW-1:0] p_in;
                wire signed [DW-1:0] up_w0, up_w1;
                wire        [RW-1:0] up_d0, up_d1;
                wire                 up_v0, up_v1;
                if (c == 0) begin : left_edge
                    assign a_in = a_left[r*DW +: DW];
                    assign ab_in = a_bank[r];
                end else begin : left_pe
                    assign a_in = a_reg[r][c-1];
                    assign ab_in = ab_reg[r][c-1];
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
                    assign p_in = p_reg[r-1][c];
                    assign up_w0 = w0[r-1][c];
                    assign up_w1 = w1[r-1][c];
                    assign up_d0 = d0[r-1][c];
                    assign up_d1 = d1[r-1][c];
                    assign up_v0 = v0[r-1][c];
                    assign up_v1 = v1[r-1][c];
                end
                /* verilator lint_off UNSIGNED */
                wire in0 = up_v0 && (up_d0 >= r);
                wire in1 = up_v1 && (up_d1 >= r);
                /* verilator lint_on UNSIGNED */
                wire out0 = v0[r][c] && (d0[r][c] > r);
                wire out1 = v1[r][c] && (d1[r][c] > r);
                wire signed [DW-1:0] w_sel = ab_in ? w1[r][c] : w0[r][c];
                // a DW x DW signed product, sign-extended into the AW-bit sum
                wire signed [2*DW-1:0] prod = a_in * w_sel;
                always @(posedge clk) begin
                    if (rst) begin
                        v0[r][c] <= 1'b0;
                        v1[r][c] <= 1'b0;
                        w0[r][c] <= {DW{1'b0}};
                        w1[r][c] <= {DW{1'b0}};
                        d0[r][c] <= {RW{1'b0}};
                        d1[r][c] <= {RW{1'b0}};
                        a_reg[r][c] <= {DW{1'b0}};
                        ab_reg[r][c] <= 1'b0;
                        p_reg[r][c] <= {AW{1'b0}};
                    end else begin
                        if (in0) begin
                            w0[r][c] <= up_w0; d0[r][c] <= up_d0; v0[r][c] <= 1'b1;
                        end else if (out0) begin
                            w0[r][c] <= {DW{1'b0}}; v0[r][c] <= 1'b0;
                        end
                        if (in1) begin
                            w1[r][c] <= up_w1; d1[r][c] <= up_d1; v1[r][c] <= 1'b1;
                        end else if (out1) begin
                            w1[r][c] <= {DW{1'b0}}; v1[r][c] <= 1'b0;
                        end
                        a_reg[r][c] <= flush ? {DW{1'b0}} : a_in;
                        ab_reg[r][c] <= ab_in;
                        // (an if, not ?:, so that the sum stays a signed expression)
                        if (flush) p_reg[r][c] <= {AW{1'b0}};
                        /* verilator lint_off WIDTH */  // prod: sign-extended to AW
                        else p_reg[r][c] <= p_in + prod;
                        /* verilator lint_on WIDTH */
                    end
                end
            end
        end
        for (c = 0; c < COLS; c = c + 1) begin : out
            assign p_bottom[c*AW +: AW] = p_reg[ROWS-1][c];
        end
    endgenerate
endmodule
