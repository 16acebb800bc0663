// One bank of the output buffer: partial sums at accumulator width in an sram_bank, with
// a read-modify-write accumulate port for the array. An accumulate reads its word in
// cycle t and writes the sum in cycle t + 1; when the word was written in cycle t (the
// read returned the old value) the sum uses the written value instead (forwarding), so
// back-to-back accumulates of one word are exact. The DMA side fills (writes) and drains
// (reads, data one cycle later) the bank between tiles, never during accumulates.
module acc_bank #(
    parameter integer AW = 32,
    parameter integer DEPTH = 16,
    parameter integer ABITS = 4
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             acc_en,
    input  wire [ABITS-1:0] acc_addr,
    input  wire [AW-1:0]    acc_data,
    input  wire             fill_en,
    input  wire [ABITS-1:0] fill_addr,
    input  wire [AW-1:0]    fill_data,
    input  wire             drain_en,
    input  wire [ABITS-1:0] drain_addr,
    output wire [AW-1:0]    drain_data
);
    reg             s_v, l_v;  // accumulate in its write cycle; the last write
    reg [ABITS-1:0] s_addr, l_addr;
    reg [AW-1:0]    s_data, l_data;
    wire [AW-1:0]   q;
    wire [AW-1:0]   sum = ((l_v && l_addr == s_addr) ? l_data : q) + s_data;

    sram_bank #(.WIDTH(AW), .DEPTH(DEPTH), .ABITS(ABITS)) mem (
        .clk(clk),
        .re(acc_en || drain_en), .raddr(acc_en ? acc_addr : drain_addr), .rdata(q),
        .we(s_v || fill_en), .waddr(s_v ? s_addr : fill_addr),
        .wdata(s_v ? sum : fill_data)
    );
    assign drain_data = q;

    always @(posedge clk) begin
        if (rst) begin
            s_v <= 1'b0;
            l_v <= 1'b0;
        end else begin
            s_v <= acc_en;
            s_addr <= acc_addr;
            s_data <= acc_data;
            l_v <= s_v;
            l_addr <= s_addr;
            l_data <= sum;
        end
    end
endmodule
