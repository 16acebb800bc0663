// Fold sequencer of a weight-stationary GEMM with pipelined folds (fold_overlap:
// pipelined): C[M x N] += A[M x K] * B[K x N] on a ROWS x COLS array with two weight
// banks per PE (wsp_array). Folds in accelscope's order (N tiles outer, K tiles inner);
// fold f uses bank f mod 2. Greedy, as the reference simulator
// (targets/asic/cost/reference_sim_pipelined.py):
//
//   * the preload of fold f starts when the weight feeder is free (fold f-1's preload has
//     entered at column 0) and bank f mod 2 is free (fold f-2's stream has entered row 0);
//   * the stream of fold f starts when the left feeder is free (fold f-1's stream has
//     entered row 0) and fold f's weights have settled at the top-left PE.
//
// Column 0 of the weight feeder and lane 0 of the left feeder are driven directly; the
// other columns and lanes replay them 1, 2, ... cycles later from descriptor delay lines
// (that is the skew), and the outputs of column j are those of the stream element that
// entered row 0 ROWS + j cycles earlier (the deskew). `busy` is high from the first
// preload to the last output, so the busy cycles are the GEMM's compute cycles.
module wsp_controller #(
    parameter integer ROWS = 4,
    parameter integer COLS = 4,
    parameter integer DW = 8,
    parameter integer AW = 32,
    parameter integer IW = 32,
    parameter integer RW = 8,
    parameter integer SYNC_READ = 0  // 1: buffer data arrives one cycle after the address
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
    output wire [COLS*AW-1:0]   c_data,
    output wire [COLS*DW-1:0]   w_top,
    output wire [COLS*RW-1:0]   w_dest,
    output wire [COLS-1:0]      w_valid,
    output wire [COLS-1:0]      w_bank,
    output wire [ROWS*DW-1:0]   a_left,
    output wire [ROWS-1:0]      a_bank,
    output wire                 flush,
    input  wire [COLS*AW-1:0]   p_bottom
);
    localparam integer SD = ROWS + COLS;  // stream descriptor delay line depth

    reg running;
    reg done_now;
    // preload stage (column 0 of the weight feeder)
    reg          pre_busy, pre_bank;
    reg [IW-1:0] pre_step, pre_k0, pre_n0, pre_started, pre_done;
    reg [IW-1:0] np_k0, np_n0;
    reg          np_valid;
    // stream stage (lane 0 of the left feeder)
    reg          str_busy, str_bank;
    reg [IW-1:0] str_step, str_k0, str_n0, str_started, str_done;
    reg [IW-1:0] ns_k0, ns_n0;
    reg          ns_valid;

    function automatic [IW-1:0] tile(input [IW-1:0] left, input integer side);
        tile = (left < side) ? left : side;
    endfunction

    // ---- this cycle's column-0 preload descriptor --------------------------------------
    wire start_pre = running && !pre_busy && np_valid &&
                     (pre_started < 2 || str_done + 1 >= pre_started);
    wire          wd_valid = pre_busy || start_pre;
    wire [IW-1:0] wd_k0 = pre_busy ? pre_k0 : np_k0;
    wire [IW-1:0] wd_n0 = pre_busy ? pre_n0 : np_n0;
    wire [IW-1:0] wd_step = pre_busy ? pre_step : {IW{1'b0}};
    wire          wd_bank = pre_busy ? pre_bank : pre_started[0];
    wire [IW-1:0] wd_kt = tile(k - wd_k0, ROWS);

    // ---- this cycle's lane-0 stream descriptor -----------------------------------------
    wire start_str = running && !str_busy && ns_valid && (pre_done >= str_started + 1);
    wire          sd_valid = str_busy || start_str;
    wire [IW-1:0] sd_k0 = str_busy ? str_k0 : ns_k0;
    wire [IW-1:0] sd_n0 = str_busy ? str_n0 : ns_n0;
    wire [IW-1:0] sd_m = str_busy ? str_step : {IW{1'b0}};
    wire          sd_bank = str_busy ? str_bank : str_started[0];

    // ---- delay lines: index d holds the descriptor of d cycles ago (0: this cycle) -----
    reg          wl_valid [1:COLS];
    reg [IW-1:0] wl_k0 [1:COLS], wl_n0 [1:COLS], wl_step [1:COLS];
    reg          wl_bank [1:COLS];
    reg          sl_valid [1:SD];
    reg [IW-1:0] sl_k0 [1:SD], sl_n0 [1:SD], sl_m [1:SD];
    reg          sl_bank [1:SD];

    // the array side: one cycle behind the addresses with synchronous buffers
    wire [COLS*RW-1:0] w_dest_now;
    wire [COLS-1:0] w_valid_now, w_bank_now, c_en_now;
    wire [ROWS-1:0] a_en_d, a_bank_now;
    wire [COLS*IW-1:0] c_row_now, c_col_now;
    sync_lag #(.W(2 + COLS * RW + 3 * COLS + 2 * ROWS + 2 * COLS * IW), .ON(SYNC_READ)) lag (
        .clk(clk), .rst(rst),
        .d({done_now, start && !running, w_dest_now, w_valid_now, w_bank_now, a_en,
            a_bank_now, c_en_now, c_row_now, c_col_now}),
        .q({done, flush, w_dest, w_valid, w_bank, a_en_d, a_bank, c_en, c_row, c_col})
    );

    genvar r, c;
    generate
        for (c = 0; c < COLS; c = c + 1) begin : wcol
            wire          v = (c == 0) ? wd_valid : wl_valid[c == 0 ? 1 : c];
            wire [IW-1:0] k0 = (c == 0) ? wd_k0 : wl_k0[c == 0 ? 1 : c];
            wire [IW-1:0] n0 = (c == 0) ? wd_n0 : wl_n0[c == 0 ? 1 : c];
            wire [IW-1:0] s = (c == 0) ? wd_step : wl_step[c == 0 ? 1 : c];
            wire          bk = (c == 0) ? wd_bank : wl_bank[c == 0 ? 1 : c];
            wire [IW-1:0] kt = tile(k - k0, ROWS);
            wire [IW-1:0] ct = tile(n - n0, COLS);
            wire [IW-1:0] dest = kt - 1 - s;
            assign b_en[c] = running && v && (c < ct);
            assign b_row[c*IW +: IW] = k0 + dest;
            assign b_col[c*IW +: IW] = n0 + c;
            assign w_top[c*DW +: DW] = w_valid[c] ? b_data[c*DW +: DW] : {DW{1'b0}};
            assign w_dest_now[c*RW +: RW] = dest[RW-1:0];
            assign w_valid_now[c] = b_en[c];
            assign w_bank_now[c] = bk;
        end
        for (r = 0; r < ROWS; r = r + 1) begin : lane
            wire          v = (r == 0) ? sd_valid : sl_valid[r == 0 ? 1 : r];
            wire [IW-1:0] k0 = (r == 0) ? sd_k0 : sl_k0[r == 0 ? 1 : r];
            wire [IW-1:0] mm = (r == 0) ? sd_m : sl_m[r == 0 ? 1 : r];
            wire          bk = (r == 0) ? sd_bank : sl_bank[r == 0 ? 1 : r];
            wire [IW-1:0] kt = tile(k - k0, ROWS);
            assign a_en[r] = running && v && (r < kt);
            assign a_row[r*IW +: IW] = mm;
            assign a_col[r*IW +: IW] = k0 + r;
            assign a_left[r*DW +: DW] = a_en_d[r] ? a_data[r*DW +: DW] : {DW{1'b0}};
            assign a_bank_now[r] = bk;
        end
        for (c = 0; c < COLS; c = c + 1) begin : out
            wire [IW-1:0] ct = tile(n - sl_n0[ROWS + c], COLS);
            assign c_en_now[c] = running && sl_valid[ROWS + c] && (c < ct);
            assign c_row_now[c*IW +: IW] = sl_m[ROWS + c];
            assign c_col_now[c*IW +: IW] = sl_n0[ROWS + c] + c;
            assign c_data[c*AW +: AW] = p_bottom[c*AW +: AW];
        end
    endgenerate

    // ---- outputs still to leave: a stream element d cycles old leaves column j at d = ROWS+j
    reg pending;
    integer d;
    always @* begin
        pending = 1'b0;
        for (d = 1; d <= SD; d = d + 1)
            if (sl_valid[d] && d <= ROWS + tile(n - sl_n0[d], COLS) - 1) pending = 1'b1;
    end
    wire work_left = np_valid || ns_valid || pre_busy || str_busy || pending;
    assign busy = running && work_left;

    wire [IW-1:0] wd_next_step = wd_step + 1;
    wire [IW-1:0] sd_next_m = sd_m + 1;

    integer i;
    always @(posedge clk) begin
        done_now <= 1'b0;
        if (rst) begin
            running <= 1'b0;
            pre_busy <= 1'b0;
            str_busy <= 1'b0;
            np_valid <= 1'b0;
            ns_valid <= 1'b0;
            for (i = 1; i <= COLS; i = i + 1) wl_valid[i] <= 1'b0;
            for (i = 1; i <= SD; i = i + 1) sl_valid[i] <= 1'b0;
        end else if (!running) begin
            if (start) begin
                for (i = 1; i <= COLS; i = i + 1) wl_valid[i] <= 1'b0;
                for (i = 1; i <= SD; i = i + 1) sl_valid[i] <= 1'b0;
                running <= !(m == 0 || k == 0 || n == 0);
                done_now <= (m == 0 || k == 0 || n == 0);
                np_valid <= 1'b1; np_k0 <= 0; np_n0 <= 0;
                ns_valid <= 1'b1; ns_k0 <= 0; ns_n0 <= 0;
                pre_started <= 0; pre_done <= 0; str_started <= 0; str_done <= 0;
            end
        end else begin
            // delay lines shift by one
            wl_valid[1] <= wd_valid; wl_k0[1] <= wd_k0; wl_n0[1] <= wd_n0;
            wl_step[1] <= wd_step; wl_bank[1] <= wd_bank;
            for (i = 2; i <= COLS; i = i + 1) begin
                wl_valid[i] <= wl_valid[i-1]; wl_k0[i] <= wl_k0[i-1]; wl_n0[i] <= wl_n0[i-1];
                wl_step[i] <= wl_step[i-1]; wl_bank[i] <= wl_bank[i-1];
            end
            sl_valid[1] <= sd_valid; sl_k0[1] <= sd_k0; sl_n0[1] <= sd_n0;
            sl_m[1] <= sd_m; sl_bank[1] <= sd_bank;
            for (i = 2; i <= SD; i = i + 1) begin
                sl_valid[i] <= sl_valid[i-1]; sl_k0[i] <= sl_k0[i-1]; sl_n0[i] <= sl_n0[i-1];
                sl_m[i] <= sl_m[i-1]; sl_bank[i] <= sl_bank[i-1];
            end
            // preload stage
            if (start_pre) begin
                pre_started <= pre_started + 1;
                pre_k0 <= np_k0; pre_n0 <= np_n0; pre_bank <= pre_started[0];
                if (np_k0 + ROWS < k) begin
                    np_k0 <= np_k0 + ROWS;
                end else if (np_n0 + COLS < n) begin
                    np_k0 <= 0; np_n0 <= np_n0 + COLS;
                end else begin
                    np_valid <= 1'b0;
                end
            end
            if (wd_valid) begin
                if (wd_step == wd_kt - 1) begin
                    pre_busy <= 1'b0;
                    pre_done <= pre_done + 1;
                end else begin
                    pre_busy <= 1'b1;
                    pre_step <= wd_next_step;
                end
            end
            // stream stage
            if (start_str) begin
                str_started <= str_started + 1;
                str_k0 <= ns_k0; str_n0 <= ns_n0; str_bank <= str_started[0];
                if (ns_k0 + ROWS < k) begin
                    ns_k0 <= ns_k0 + ROWS;
                end else if (ns_n0 + COLS < n) begin
                    ns_k0 <= 0; ns_n0 <= ns_n0 + COLS;
                end else begin
                    ns_valid <= 1'b0;
                end
            end
            if (sd_valid) begin
                if (sd_m == m - 1) begin
                    str_busy <= 1'b0;
                    str_done <= str_done + 1;
                end else begin
                    str_busy <= 1'b1;
                    str_step <= sd_next_m;
                end
            end
            if (!work_left) begin
                running <= 1'b0;
                done_now <= 1'b1;
            end
        end
    end
endmodule
