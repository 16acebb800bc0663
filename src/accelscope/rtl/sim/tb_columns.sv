// Simulation wrapper (template: simulate.py fills in the @...@ fields) of a unit with one
// weight read port per column -- wsp, os, osp -- or of the tile sequencer with its unit
// (tiled_unit): the buffers are C++ arrays behind DPI calls (reads combinational, C
// accumulated at the clock edge). Not synthesized. With `transpose` high the unit runs
// input-stationary (see tb_ws.sv).
module @MODULE@ #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        start,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0] m,  // (a tiled unit takes its sizes from the schedule)
    input  wire [31:0] k,
    input  wire [31:0] n,
    /* verilator lint_on UNUSEDSIGNAL */
@SCHEDULE_PORTS@    input  wire        transpose,
    output wire        busy,
    output wire        done
);
    import "DPI-C" function int tb_a(input int row, input int col);
    import "DPI-C" function int tb_b(input int row, input int col);
    import "DPI-C" function void tb_c(input int row, input int col, input longint value);

    wire [ROWS-1:0]    a_en;
    wire [ROWS*32-1:0] a_row, a_col;
    reg  [ROWS*DW-1:0] a_data;
    wire [COLS-1:0]    b_en;
    wire [COLS*32-1:0] b_row, b_col;
    reg  [COLS*DW-1:0] b_data;
    wire [COLS-1:0]    c_en;
    wire [COLS*32-1:0] c_row, c_col;
    wire [COLS*AW-1:0] c_data;

@DUT@
        .a_en(a_en), .a_row(a_row), .a_col(a_col), .a_data(a_data),
        .b_en(b_en), .b_row(b_row), .b_col(b_col), .b_data(b_data),
        .c_en(c_en), .c_row(c_row), .c_col(c_col), .c_data(c_data)
    );

    // an AW-bit result, sign-extended to 64 bits for the harness
    function automatic longint wide(input [AW-1:0] x);
        wide = $signed(x);  // a signed operand is sign-extended to 64 bits
    endfunction

    integer r, j, v;
    always @* begin
        for (r = 0; r < ROWS; r = r + 1) begin
            if (!a_en[r]) v = 0;
            else if (transpose) v = tb_b(a_col[r*32 +: 32], a_row[r*32 +: 32]);
            else v = tb_a(a_row[r*32 +: 32], a_col[r*32 +: 32]);
            a_data[r*DW +: DW] = v[DW-1:0];
        end
        for (j = 0; j < COLS; j = j + 1) begin
            if (!b_en[j]) v = 0;
            else if (transpose) v = tb_a(b_col[j*32 +: 32], b_row[j*32 +: 32]);
            else v = tb_b(b_row[j*32 +: 32], b_col[j*32 +: 32]);
            b_data[j*DW +: DW] = v[DW-1:0];
        end
    end
    always @(posedge clk) begin
        for (j = 0; j < COLS; j = j + 1)
            if (c_en[j]) begin
                if (transpose)
                    tb_c(c_col[j*32 +: 32], c_row[j*32 +: 32], wide(c_data[j*AW +: AW]));
                else
                    tb_c(c_row[j*32 +: 32], c_col[j*32 +: 32], wide(c_data[j*AW +: AW]));
            end
    end
endmodule
