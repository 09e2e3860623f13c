/*
 * uvbench — reference figures from libuv's public C API, for the same work ruv's criterion
 * benches (benches/loop.rs, benches/pool.rs) measure. scripts/compare.sh builds and runs it;
 * docs/performance-method.md says what each case measures.
 *
 *   cc -O2 -o uvbench uvbench.c $(pkg-config --cflags --libs libuv)
 *   ./uvbench CASE [N]
 *
 * CASE: loop | immediates | timers | timer_insert_cancel | async | queue_work | roundtrip
 * N overrides the case's operation count (for quick tries; the defaults are what the
 * comparison uses).
 *
 * Output: one JSON line per measurement, e.g.
 *   {"name":"loop","ns_per_op":181.3,"ops":10000000,"wall_ms":1813.0,"cpu_ms":1812.5}
 * ns_per_op is wall time divided by ops; cpu_ms is this process's user+system CPU time over
 * the same interval (all threads, pool included).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static uv_loop_t loop;

/* ---- measurement plumbing ---------------------------------------------------------------- */

static double cpu_ms_now(void) {
  uv_rusage_t ru;
  if (uv_getrusage(&ru) != 0) return 0.0;
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

struct span {
  uint64_t t0;
  double cpu0;
};

static struct span span_begin(void) {
  struct span s;
  s.cpu0 = cpu_ms_now();
  s.t0 = uv_hrtime();
  return s;
}

/* Print one measurement: `wall_ns` of wall time for `ops` operations. */
static void emit(const char *name, uint64_t wall_ns, double cpu_ms, long ops) {
  printf("{\"name\":\"%s\",\"ns_per_op\":%.2f,\"ops\":%ld,\"wall_ms\":%.1f,\"cpu_ms\":%.1f}\n",
         name, (double)wall_ns / (double)ops, ops, wall_ns / 1e6, cpu_ms);
  fflush(stdout);
}

static void span_end(const char *name, struct span s, long ops) {
  uint64_t wall = uv_hrtime() - s.t0;
  emit(name, wall, cpu_ms_now() - s.cpu0, ops);
}

static void check(int rc, const char *what) {
  if (rc != 0) {
    fprintf(stderr, "uvbench: %s: %s\n", what, uv_strerror(rc));
    exit(1);
  }
}

/* ---- loop: empty iterations, each driven by one idle callback ---------------------------- */

static long loop_target, loop_seen;

static void on_loop_idle(uv_idle_t *h) {
  if (++loop_seen == loop_target) uv_idle_stop(h);
}

static void case_loop(long n) {
  uv_idle_t idle;
  loop_target = n;
  check(uv_idle_init(&loop, &idle), "idle_init");
  check(uv_idle_start(&idle, on_loop_idle), "idle_start");
  struct span s = span_begin();
  uv_run(&loop, UV_RUN_DEFAULT);
  span_end("loop", s, n);
  uv_close((uv_handle_t *)&idle, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
}

/* ---- immediates: how Node runs setImmediate — a check handle does the work, an idle handle
 * keeps poll from blocking. One check callback per iteration. ---------------------------- */

static long imm_target, imm_seen;
static uv_idle_t imm_idle;

static void on_imm_idle(uv_idle_t *h) { (void)h; }

static void on_imm_check(uv_check_t *h) {
  if (++imm_seen == imm_target) {
    uv_check_stop(h);
    uv_idle_stop(&imm_idle);
  }
}

static void case_immediates(long n) {
  uv_check_t chk;
  imm_target = n;
  check(uv_idle_init(&loop, &imm_idle), "idle_init");
  check(uv_idle_start(&imm_idle, on_imm_idle), "idle_start");
  check(uv_check_init(&loop, &chk), "check_init");
  check(uv_check_start(&chk, on_imm_check), "check_start");
  struct span s = span_begin();
  uv_run(&loop, UV_RUN_DEFAULT);
  span_end("immediates", s, n);
  uv_close((uv_handle_t *)&chk, NULL);
  uv_close((uv_handle_t *)&imm_idle, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
}

/* ---- timers: n one-shot timers with timeouts (i * 7919) % 1000 ms --------------------------
 * timers_start: starting them (init + start each), per timer.
 * timers_run:   the uv_run that fires them all (includes ~999 ms of waiting), per timer.
 * timers_total: both, per timer — what ruv's million_timers/run_1e6 times. */

static long tm_fired;

static void on_timer(uv_timer_t *t) {
  (void)t;
  tm_fired++;
}

static void case_timers(long n) {
  uv_timer_t *ts = malloc(sizeof(*ts) * (size_t)n);
  if (!ts) {
    fprintf(stderr, "uvbench: out of memory\n");
    exit(1);
  }
  uv_update_time(&loop);
  struct span s = span_begin();
  for (long i = 0; i < n; i++) {
    uv_timer_init(&loop, &ts[i]);
    uv_timer_start(&ts[i], on_timer, (uint64_t)((i * 7919) % 1000), 0);
  }
  uint64_t started = uv_hrtime();
  double cpu_started = cpu_ms_now();
  emit("timers_start", started - s.t0, cpu_started - s.cpu0, n);
  uv_run(&loop, UV_RUN_DEFAULT);
  uint64_t done = uv_hrtime();
  double cpu_done = cpu_ms_now();
  if (tm_fired != n) {
    fprintf(stderr, "uvbench: timers: %ld of %ld fired\n", tm_fired, n);
    exit(1);
  }
  emit("timers_run", done - started, cpu_done - cpu_started, n);
  emit("timers_total", done - s.t0, cpu_done - s.cpu0, n);
  /* The handles are inactive now; the process exits without closing them. */
}

/* ---- timer_insert_cancel: start + stop one timer beside 0 or 1e6 live timers -------------- */

static void on_never(uv_timer_t *t) { (void)t; }

static void insert_cancel(const char *name, long live, long n) {
  uv_loop_t l;
  check(uv_loop_init(&l), "loop_init");
  uv_timer_t *ts = live ? malloc(sizeof(*ts) * (size_t)live) : NULL;
  for (long i = 0; i < live; i++) {
    uv_timer_init(&l, &ts[i]);
    uv_timer_start(&ts[i], on_never, 10000 + (uint64_t)(i % 1000), 0);
  }
  uv_timer_t t;
  uv_timer_init(&l, &t);
  struct span s = span_begin();
  for (long i = 0; i < n; i++) {
    uv_timer_start(&t, on_never, 5000, 0);
    uv_timer_stop(&t);
  }
  span_end(name, s, n);
  /* Leaked on purpose: tearing down 1e6 handles is not part of the figure. */
}

static void case_timer_insert_cancel(long n) {
  insert_cancel("timer_insert_cancel_0_live", 0, n);
  insert_cancel("timer_insert_cancel_1e6_live", 1000000, n);
}

/* ---- async: a second thread sends, the loop's async callback posts a semaphore, the thread
 * waits on it before the next send. Timed in the sending thread, per wake-up and reply. ---- */

static uv_async_t as_handle;
static uv_sem_t as_reply;
static long as_target, as_seen;
static uint64_t as_wall;
static double as_cpu;

static void on_async(uv_async_t *h) {
  as_seen++;
  uv_sem_post(&as_reply);
  if (as_seen == as_target) uv_close((uv_handle_t *)h, NULL);
}

static void async_sender(void *arg) {
  (void)arg;
  struct span s = span_begin();
  for (long i = 0; i < as_target; i++) {
    uv_async_send(&as_handle);
    uv_sem_wait(&as_reply);
  }
  as_wall = uv_hrtime() - s.t0;
  as_cpu = cpu_ms_now() - s.cpu0;
}

static void case_async(long n) {
  uv_thread_t th;
  as_target = n;
  check(uv_sem_init(&as_reply, 0), "sem_init");
  check(uv_async_init(&loop, &as_handle, on_async), "async_init");
  check(uv_thread_create(&th, async_sender, NULL), "thread_create");
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_thread_join(&th);
  emit("async", as_wall, as_cpu, n);
}

/* ---- queue_work / roundtrip: no-op work items through libuv's pool ----------------------- */

static void work_nothing(uv_work_t *r) { (void)r; }

static long qw_target, qw_submitted, qw_completed;

static void qw_after(uv_work_t *r, int status) {
  check(status, "queue_work");
  qw_completed++;
  if (qw_submitted < qw_target) {
    qw_submitted++;
    check(uv_queue_work(&loop, r, work_nothing, qw_after), "queue_work");
  }
}

static void warm_after(uv_work_t *r, int status) {
  (void)r;
  check(status, "queue_work");
}

/* Starts the pool's threads (libuv starts them on the first submission), outside the timing. */
static void warm_pool(void) {
  uv_work_t w;
  check(uv_queue_work(&loop, &w, work_nothing, warm_after), "queue_work");
  uv_run(&loop, UV_RUN_DEFAULT);
}

#define QW_INFLIGHT 4096

static void case_queue_work(long n) {
  static uv_work_t reqs[QW_INFLIGHT];
  warm_pool();
  qw_target = n;
  struct span s = span_begin();
  for (int i = 0; i < QW_INFLIGHT && qw_submitted < qw_target; i++) {
    qw_submitted++;
    check(uv_queue_work(&loop, &reqs[i], work_nothing, qw_after), "queue_work");
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  span_end("queue_work", s, qw_completed);
}

static long rt_target, rt_completed;

static void rt_after(uv_work_t *r, int status) {
  check(status, "queue_work");
  if (++rt_completed < rt_target)
    check(uv_queue_work(&loop, r, work_nothing, rt_after), "queue_work");
}

static void case_roundtrip(long n) {
  uv_work_t req;
  warm_pool();
  rt_target = n;
  struct span s = span_begin();
  check(uv_queue_work(&loop, &req, work_nothing, rt_after), "queue_work");
  uv_run(&loop, UV_RUN_DEFAULT);
  span_end("roundtrip", s, rt_completed);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

struct bench_case {
  const char *name;
  void (*run)(long n);
  long default_n;
};

static const struct bench_case cases[] = {
    {"loop", case_loop, 10000000},
    {"immediates", case_immediates, 10000000},
    {"timers", case_timers, 1000000},
    {"timer_insert_cancel", case_timer_insert_cancel, 2000000},
    {"async", case_async, 200000},
    {"queue_work", case_queue_work, 1000000},
    {"roundtrip", case_roundtrip, 100000},
};

int main(int argc, char **argv) {
  size_t ncases = sizeof(cases) / sizeof(cases[0]);
  const struct bench_case *c = NULL;
  for (size_t i = 0; argc > 1 && i < ncases; i++)
    if (strcmp(argv[1], cases[i].name) == 0) c = &cases[i];
  if (!c) {
    fprintf(stderr, "usage: %s CASE [N]\ncases:", argv[0]);
    for (size_t i = 0; i < ncases; i++) fprintf(stderr, " %s", cases[i].name);
    fprintf(stderr, "\n");
    return 2;
  }
  long n = argc > 2 ? strtol(argv[2], NULL, 10) : c->default_n;
  if (n <= 0) {
    fprintf(stderr, "uvbench: N must be positive\n");
    return 2;
  }
  check(uv_loop_init(&loop), "loop_init");
  c->run(n);
  return 0;
}
