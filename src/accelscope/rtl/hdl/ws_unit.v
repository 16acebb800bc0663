// One weight-stationary tensor unit: the fold sequencer and the PE array, with the
// buffers' ports brought out (the buffers and DRAM are the testbench's).
module ws_unit #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32,
    parameter integer IW = 32,
    parameter integer SYNC_READ = 0  // 1: synchronous buffers (data one cycle late)
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 start,
    input  wire [IW-1:0]        m,
    input  wire [IW-1:0]        k,
    input  wire [IW-1:0]        n,
    output wire                 busy,
    output wire                 done,
    output wire [ROWS-1:0]      a_en,
    output wire [ROWS*IW-1:0]   a_row,
    output wire [ROWS*IW-1:0]   a_col,
    input  wire [ROWS*DW-1:0]   a_data,
    output wire                 b_en,
    output wire [IW-1:0]        b_row,
    output wire [IW-1:0]        b_col0,
    input  wire [COLS*DW-1:0]   b_data,
    output wire [COLS-1:0]      c_en,
    output wire [COLS*IW-1:0]   c_row,
    output wire [COLS*IW-1:0]   c_col,
    output wire [COLS*AW-1:0]   c_data
);
    wire load;
    wire [COLS*DW-1:0] w_top;
    wire [ROWS*DW-1:0] a_left;
    wire [COLS*AW-1:0] p_bottom;

    ws_controller #(.ROWS(ROWS), .COLS(COLS), .DW(DW), .AW(AW), .IW(IW),
        .SYNC_READ(SYNC_READ)) ctrl (
        .clk(clk), .rst(rst), .start(start), .m(m), .k(k), .n(n), .busy(busy), .done(done),
        .a_en(a_en), .a_row(a_row), .a_col(a_col), .a_data(a_data),
        .b_en(b_en), .b_row(b_row), .b_col0(b_col0), .b_data(b_data),
        .c_en(c_en), .c_row(c_row), .c_col(c_col), .c_data(c_data),
        .load(load), .w_top(w_top), .a_left(a_left), .p_bottom(p_bottom)
    );
    ws_array #(.ROWS(ROWS), .COLS(COLS), .DW(DW), .AW(AW)) array (
        .clk(clk), .load(load), .w_top(w_top), .a_left(a_left), .p_bottom(p_bottom)
    );
endmodule
