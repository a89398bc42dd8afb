#!/usr/bin/env python3
"""Runs the peer benchmarks of scripts/bench and prints one markdown table.

Every client is a child process timed from spawn to exit (or, for the python shell's event
flood, until the last event was seen), with its peak RSS from wait4(). Each row's output is
checked (replies, events) so a broken run fails loudly instead of posting a fast number.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


MEASURE = ""
MEASURE_DIR = ""
LAST_CPU = 0.0  # CPU seconds (user + system) of the last run's client


class BenchError(Exception):
    pass


def run(argv, stdin_data=None, token=None, env=None, feeder=None, stop_at=None, timeout=None):
    """Spawns argv, feeds stdin, drains stdout counting `token`; returns (seconds, rss_kb,
    count, out_bytes, status). `feeder(pipe, done_event)` replaces stdin_data for slow feeds;
    `stop_at` ends the timing (and the child) once `token` was seen that many times."""
    stdin = subprocess.PIPE if (stdin_data is not None or feeder) else subprocess.DEVNULL
    result_file = os.path.join(MEASURE_DIR, "result")
    if os.path.exists(result_file):
        os.unlink(result_file)
    t0 = time.perf_counter()
    p = subprocess.Popen([MEASURE, result_file] + argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, start_new_session=True)
    done = threading.Event()
    writer = None
    if stdin_data is not None:
        def write():
            try:
                p.stdin.write(stdin_data)
                p.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
    elif feeder:
        writer = threading.Thread(target=feeder, args=(p.stdin, done), daemon=True)
        writer.start()
    err_chunks = []
    err_reader = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()), daemon=True)
    err_reader.start()
    count, total, tail = 0, 0, b""
    tok = token.encode() if token else None
    fd = p.stdout.fileno()
    t_end = None
    deadline = t0 + timeout if timeout else None
    if deadline:
        os.set_blocking(fd, True)
    while True:
        if deadline:
            import select
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                break
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if tok:
            buf = tail + chunk
            count += buf.count(tok)
            tail = buf[-(len(tok) - 1):] if len(tok) > 1 else b""
            # a token split across chunks is counted once: the tail cannot hold a whole one
        if stop_at and count >= stop_at:
            t_end = time.perf_counter()
            break
    done.set()
    stopped = t_end is not None or bool(deadline and time.perf_counter() >= deadline)
    if stopped:
        if t_end is None:
            t_end = time.perf_counter()
        # The stopped client gets end of input (the python shell then exits by itself, so its
        # peak RSS is still measured); only if it lingers is it killed.
        if writer:
            writer.join(timeout=1)
        try:
            p.stdin.close()
        except (OSError, AttributeError):
            pass
        threading.Thread(target=lambda: p.stdout.read(), daemon=True).start()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    else:
        p.wait()
    err_reader.join(timeout=2)
    try:
        with open(result_file) as f:
            elapsed, rss, cpu = f.read().split()
    except (OSError, ValueError):
        elapsed, rss, cpu = time.perf_counter() - t0, 0, "nan"
    global LAST_CPU
    LAST_CPU = float(cpu)
    if not stopped:
        t_end = t0 + float(elapsed)
    return t_end - t0, int(rss), count, total, p.returncode, b"".join(c or b"" for c in err_chunks)


def cpu_seconds(pid):
    """User + system CPU of a running process, from /proc (clock ticks, usually 100 Hz)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_socket(path, limit=20.0):
    end = time.time() + limit
    while time.time() < end:
        if os.path.exists(path):
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(path)
                s.close()
                return
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.02)
    raise BenchError(f"no socket at {path} after {limit} s")


class Table:
    def __init__(self):
        self.rows = []

    def add(self, section, peer, client, values, unit, ratio, rss, cpu):
        self.rows.append((section, peer, client, values, unit, ratio, rss, cpu))

    def print(self):
        print("| Benchmark | Peer | Client | Median | Min–max | Unit | Ratio | Client CPU | Max RSS (MB) |")
        print("|---|---|---|---:|---|---|---|---|---:|")
        for section, peer, client, values, unit, ratio, rss, cpu in self.rows:
            med = statistics.median(values)
            print(f"| {section} | {peer} | {client} | {fmt(med)} | {fmt(min(values))}–{fmt(max(values))} "
                  f"| {unit} | {ratio} | {cpu} | {max(rss) / 1024:.1f} |")


def fmt(x):
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--shell", required=True)
    ap.add_argument("--python-shell", default="")
    ap.add_argument("--support", required=True, help="folder with responder and rawclient")
    ap.add_argument("--sections", default="lockstep,oneshot,flood,large")
    a = ap.parse_args()
    q = a.quick
    n_cmds = 200 if q else 20000
    reps = 1 if q else 3
    # Lock-step ratios are the noisiest (against QEMU: 1.16x and 1.62x in two runs five
    # minutes apart): five interleaved rounds.
    lock_reps = 1 if q else 5
    oneshot_runs = 3 if q else 21
    n_events = 2000 if q else 1_000_000
    large_mb = 0.2 if q else 10
    # python qmp-shell buffers every event in memory and prints them only on an empty input
    # line; a million takes it minutes and gigabytes (0 printed after 30 s, 1.5 GB RSS, when
    # tried), so it gets a tenth of the flood, bounded in time.
    py_events = 2000 if q else 100_000
    py_flood_limit = 10 if q else 60
    sections = a.sections.split(",")
    responder = os.path.join(a.support, "responder")
    rawclient = os.path.join(a.support, "rawclient")
    shell = a.shell
    py = a.python_shell or None
    tmp = tempfile.mkdtemp(prefix="qb.", dir="/tmp")
    global MEASURE, MEASURE_DIR
    MEASURE, MEASURE_DIR = os.path.join(a.support, "measure"), tmp
    peers = []
    table = Table()

    peer_pid = {}

    def start(argv, sock, env=None):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        peers.append(p)
        peer_pid[sock] = p.pid
        wait_for_socket(sock)
        return p

    def check(what, status, count, want, err):
        if status != 0 or count < want:
            raise BenchError(f"{what}: exit status {status}, saw {count} of {want} expected "
                             f"outputs; stderr: {err[-400:].decode(errors='replace')}")

    try:
        cmd_sock = os.path.join(tmp, "cmd")
        start([responder, cmd_sock, "cmd"], cmd_sock)
        if "lockstep" in sections:
            qemu_sock = os.path.join(tmp, "qemu")
            start(["qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none",
                   "-qmp", f"unix:{qemu_sock},server=on,wait=off"], qemu_sock)
            script = b"query-status\n" * n_cmds
            lock_peers = [("responder", cmd_sock, []), ("QEMU", qemu_sock, [])]
            # The same against a responder with client and responder both pinned to CPU 0: on
            # a virtual machine the raw client's time is mostly an idle virtual CPU waking up
            # (it moved between 51 and 96 us per command from one run to the next), which the
            # ratio to it then measures. On one CPU nobody sleeps while the other works, and
            # the ratio is the clients' own cost.
            pin = ["taskset", "-c", "0"] if shutil.which("taskset") else None
            if pin:
                pin_sock = os.path.join(tmp, "pinned")
                start(pin + [responder, pin_sock, "cmd"], pin_sock)
                lock_peers.append(("responder, all on CPU 0", pin_sock, pin))
            for peer, sock, prefix in lock_peers:
                clients = [("raw C (floor)", prefix + [rawclient, sock, str(n_cmds)], None),
                           ("qmp-shell", prefix + [shell, sock], script)]
                if py:
                    clients.append(("python qmp-shell", prefix + [py, sock], script))
                # Interleaved (floor, qmp-shell, python, floor, ...), not one client's runs in
                # a block: the machine's background load drifts over minutes, and a ratio of
                # two blocks measured that drift as much as the clients.
                results = {name: ([], [], [], []) for name, _, _ in clients}
                for _ in range(lock_reps):
                    for name, argv, stdin in clients:
                        us, rss, cpus, peer_cpus = results[name]
                        before = cpu_seconds(peer_pid[sock])
                        t, r, c, _, st, err = run(argv, stdin_data=stdin,
                                                  token=None if stdin is None else '"running"')
                        peer_cpus.append(cpu_seconds(peer_pid[sock]) - before)
                        check(f"lockstep {name} vs {peer}", st, c if stdin else n_cmds, n_cmds, err)
                        us.append(t / n_cmds * 1e6)
                        rss.append(r)
                        cpus.append(LAST_CPU / n_cmds * 1e6)
                floor = None
                for name, _, _ in clients:
                    us, rss, cpus, peer_cpus = results[name]
                    med = statistics.median(us)
                    floor = floor or med
                    ratio = f"{med / floor:.2f}x floor"
                    if floor == med:
                        ratio += (f"; {peer.split(',')[0]} CPU {statistics.median(peer_cpus) / n_cmds * 1e6:.1f} µs/cmd"
                                  " (100 Hz ticks)")
                    table.add(f"lock-step {n_cmds} query-status", peer, name, us, "µs/cmd",
                              ratio, rss, f"{statistics.median(cpus):.1f} µs/cmd")
        if "oneshot" in sections:
            clients = [("raw C (floor)", [rawclient, cmd_sock, "1"], None, None),
                       ("qmp-shell -c", [shell, cmd_sock, "-c", "query-status"], None, '"running"')]
            if py:
                clients.append(("python qmp-shell", [py, cmd_sock], b"query-status\n", '"running"'))
            # Interleaved, like the lock-step runs.
            results = {name: ([], [], []) for name, _, _, _ in clients}
            for _ in range(oneshot_runs):
                for name, argv, stdin, tok in clients:
                    ms, rss, cpus = results[name]
                    t, r, c, _, st, err = run(argv, stdin_data=stdin, token=tok)
                    check(f"one-shot {name}", st, c if tok else 1, 1, err)
                    ms.append(t * 1e3)
                    rss.append(r)
                    cpus.append(LAST_CPU * 1e3)
            base = {}
            for name, _, _, _ in clients:
                ms, rss, cpus = results[name]
                base[name] = statistics.median(ms)
                ratio = f"{base[name] / base['raw C (floor)']:.1f}x floor"
                if name.startswith("python"):
                    ratio += f"; {base[name] / base['qmp-shell -c']:.1f}x qmp-shell"
                table.add("one-shot query-status", "responder", name, ms, "ms", ratio, rss,
                          f"{statistics.median(cpus):.1f} ms")
        if "flood" in sections:
            flood_sock = os.path.join(tmp, "flood")
            start([responder, flood_sock, "flood", str(n_events)], flood_sock)
            closing_sock = os.path.join(tmp, "floodc")
            start([responder, closing_sock, "flood", str(n_events)], closing_sock,
                  env=dict(os.environ, RESPONDER_CLOSE_AFTER_FLOOD="1"))
            caps = b'{"execute":"qmp_capabilities"}\n'
            rows = [("socat to pipe (limit)", ["socat", "-t", "100", "-", f"UNIX-CONNECT:{closing_sock}"],
                     caps, reps),
                    ("raw C (reads lines)", [rawclient, flood_sock, "flood"], None, reps),
                    ("qmp-shell", [shell, flood_sock, "--wait-event", "BENCH_DONE"], None, reps)]
            # Interleaved, like the lock-step runs.
            results = {name: ([], [], []) for name, _, _, _ in rows}
            for round in range(max(nrep for _, _, _, nrep in rows)):
                for name, argv, stdin, nrep in rows:
                    if round >= nrep:
                        continue
                    ev, rss, cpus = results[name]
                    t, r, c, total, st, err = run(argv, stdin_data=stdin, token="BENCH_TICK")
                    if name.startswith("raw"):
                        c = n_events  # it prints a count, not the events
                    check(f"flood {name}", st, c, n_events, err)
                    ev.append(n_events / t)
                    rss.append(r)
                    cpus.append(LAST_CPU / n_events * 1e6)
            rates = {}
            for name, _, _, _ in rows:
                ev, rss, cpus = results[name]
                rates[name] = statistics.median(ev)
                ratio = f"{rates[name] / rates['socat to pipe (limit)']:.2f}x socat"
                table.add(f"event flood {n_events:,}", "responder", name, ev, "events/s", ratio, rss,
                          f"{statistics.median(cpus):.2f} µs/event")
            if py:
                def feed(pipe, done):
                    try:
                        while not done.wait(0.002):
                            pipe.write(b"\n")
                            pipe.flush()
                    except (BrokenPipeError, OSError):
                        pass
                py_sock = os.path.join(tmp, "floodpy")
                start([responder, py_sock, "flood", str(py_events)], py_sock)
                t, r, c, _, st, err = run([py, py_sock], feeder=feed, token="BENCH_TICK",
                                          stop_at=py_events, timeout=py_flood_limit)
                rate = c / t
                note = "all printed" if c >= py_events else f"{c:,} printed in the {t:.0f} s limit"
                table.add(f"event flood {py_events:,}", "responder", "python qmp-shell (empty line every 2 ms)",
                          [rate], "events/s",
                          f"{rate / rates['socat to pipe (limit)']:.3f}x socat; qmp-shell is "
                          f"{rates['qmp-shell'] / max(rate, 1e-9):.0f}x faster ({note})", [r],
                          f"{LAST_CPU / max(c, 1) * 1e6:.1f} µs/event")
        if "large" in sections:
            large_sock = os.path.join(tmp, "large")
            start([responder, large_sock, "large", str(large_mb)], large_sock)
            reply_file = os.path.join(tmp, "reply.json")
            with open(reply_file, "wb") as f:
                subprocess.run([responder, "-", "large", str(large_mb)], stdout=f, check=True)
            size = os.path.getsize(reply_file)
            mb = size / 1e6
            for style, flag, jqflag in (("compact", [], "-c"), ("pretty", ["-p"], None)):
                rates = {}
                for name, argv in (("jq", ["jq"] + ([jqflag] if jqflag else []) + [".", reply_file]),
                                   ("qmp-shell", [shell, large_sock, "-c", "query-status"] + flag)):
                    v, rss, cpus = [], [], []
                    for _ in range(reps):
                        t, r, c, total, st, err = run(argv, token="object-")
                        check(f"large {style} {name}", st, c, 1, err)
                        v.append(mb / t)
                        rss.append(r)
                        cpus.append(LAST_CPU)
                    rates[name] = statistics.median(v)
                    ratio = "" if name == "jq" else f"{rates[name] / rates['jq']:.2f}x jq"
                    table.add(f"large reply {mb:.1f} MB, {style}", "responder", name, v, "MB/s", ratio, rss,
                              f"{statistics.median(cpus):.2f} s")
    except BenchError as e:
        table.print()
        print(f"scripts/bench: {e}", file=sys.stderr)
        return 1
    finally:
        for p in peers:
            p.terminate()
        for p in peers:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if q:
        print("## peers (quick: smoke test only, numbers meaningless)\n")
    else:
        print("## peers (medians; ratios from this run; client CPU is user + system time)\n")
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
