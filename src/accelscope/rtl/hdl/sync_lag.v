// The read-latency stage of a unit's sequencer: with ON = 1 (buffers are synchronous
// memories whose data arrives one cycle after the address) the signals that go to the
// array, the output descriptors and `done` pass through one register, so the array runs
// one cycle behind the address side; with ON = 0 they pass straight through.
module sync_lag #(
    parameter integer W = 1,
    parameter integer ON = 0
) (
    input  wire         clk,
    input  wire         rst,
    input  wire [W-1:0] d,
    output wire [W-1:0] q
);
    generate
        if (ON != 0) begin : stage
            reg [W-1:0] r;
            always @(posedge clk) r <= rst ? {W{1'b0}} : d;
            assign q = r;
        end else begin : wire_through
            assign q = d;
        end
    endgenerate
endmodule
