// One output-stationary tensor unit with pipelined folds: the sequencer and the PE array
// with drain chains, with the buffers' ports brought out (the buffers and DRAM are the
// testbench's).
module osp_unit #(
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
    output wire [COLS-1:0]      b_en,
    output wire [COLS*IW-1:0]   b_row,
    output wire [COLS*IW-1:0]   b_col,
    input  wire [COLS*DW-1:0]   b_data,
    output wire [COLS-1:0]      c_en,
    output wire [COLS*IW-1:0]   c_row,
    output wire [COLS*IW-1:0]   c_col,
    output wire [COLS*AW-1:0]   c_data
);
    wire [ROWS*DW-1:0] a_left;
    wire [ROWS-1:0] a_valid, a_first, a_last;
    wire [COLS*DW-1:0] b_top;
    wire [COLS-1:0] b_valid;
    wire [COLS*AW-1:0] d_top;

    osp_controller #(.ROWS(ROWS), .COLS(COLS), .DW(DW), .AW(AW), .IW(IW),
        .SYNC_READ(SYNC_READ)) ctrl (
        .clk(clk), .rst(rst), .start(start), .m(m), .k(k), .n(n), .busy(busy), .done(done),
        .a_en(a_en), .a_row(a_row), .a_col(a_col), .a_data(a_data),
        .b_en(b_en), .b_row(b_row), .b_col(b_col), .b_data(b_data),
        .c_en(c_en), .c_row(c_row), .c_col(c_col), .c_data(c_data),
        .a_left(a_left), .a_valid(a_valid), .a_first(a_first), .a_last(a_last),
        .b_top(b_top), .b_valid(b_valid), .d_top(d_top)
    );
    osp_array #(.ROWS(ROWS), .COLS(COLS), .DW(DW), .AW(AW)) array (
        .clk(clk), .rst(rst), .a_left(a_left), .a_valid(a_valid), .a_first(a_first),
        .a_last(a_last), .b_top(b_top), .b_valid(b_valid), .d_top(d_top)
    );
endmodule
