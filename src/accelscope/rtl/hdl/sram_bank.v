// One bank of an on-chip buffer: a synchronous memory with one read and one write port
// (a simple dual-port SRAM macro or FPGA block RAM). Read data appears in the cycle after
// the address (registered output); a read and a write of the same word in one cycle
// returns the old value.
module sram_bank #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16,
    parameter integer ABITS = 4
) (
    input  wire             clk,
    input  wire             re,
    input  wire [ABITS-1:0] raddr,
    output reg  [WIDTH-1:0] rdata,
    input  wire             we,
    input  wire [ABITS-1:0] waddr,
    input  wire [WIDTH-1:0] wdata
);
    reg [WIDTH-1:0] mem [0:DEPTH-1];
    always @(posedge clk) begin
        if (we) mem[waddr] <= wdata;
        if (re) rdata <= mem[raddr];
    end
endmodule
