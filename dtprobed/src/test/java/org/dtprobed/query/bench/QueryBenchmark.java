package org.dtprobed.query.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.dtprobed.client.DtprobedClient;
import org.dtprobed.protocol.ProbeDescription;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.query.QueryServer;
import org.dtprobed.query.QueryServerConfig;
import org.dtprobed.query.Scope;

/**
 * Query benchmark: builds the start-up index from 200,000 probes (1,000 processes × 200 probes in
 * two providers each, 100 provider names), serves it on a real socket, and times queries made
 * with the client library, end to end. Prints numbers; asserts nothing.
 * Run with scripts/bench/query.
 *
 * <p>{@code scripts/bench/query index [ROUNDS]} instead times {@link ProbeIndex#match} in process
 * (no socket, no JSON) over what {@code scripts/bench/run} holds in its daemon: 10,000 processes
 * each with one 20-probe registration of provider {@code bench}, 200,000 probes; then the two
 * requests {@code scripts/bench/run} makes, as raw lines over a real socket.
 */
public final class QueryBenchmark {
    private static final int PIDS = 1000;
    private static final int PROBES_PER_PID = 200;
    private static final int PROVIDER_NAMES = 100;

    private QueryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("serve")) {
            serve(Path.of(args[1]));
            return;
        }
        if (args.length >= 1 && args[0].equals("index")) {
            indexMatch(args.length > 1 ? Integer.parseInt(args[1]) : 2000);
            return;
        }
        Path dir = Files.createTempDirectory("dtprobe-bench");
        Path sock = dir.resolve("dtprobed.sock");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), QueryBenchmark.class.getName(), "serve",
                sock.toString()));
        Process server = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream()));
        System.out.println(in.readLine());
        System.out.printf("server RSS after start-up: %,d KiB%n", rssKib(server.pid()));
        try (DtprobedClient c = DtprobedClient.connect(sock)) {
            time(c, "one provider, all pids (prov7:::)", "prov7:::", 100);
            time(c, "one provider of one pid (prov71007:::)", "prov71007:::", 200);
            time(c, "provider glob (prov1*:::)", "prov1*:::", 20);
            time(c, "full glob, nothing matches (*:::nomatch*)", "*:::nomatch*", 50);
            time(c, "full glob, everything (:::)", ":::", 5);
        }
        System.out.printf("server RSS after the queries: %,d KiB%n", rssKib(server.pid()));
        server.getOutputStream().close();
        server.waitFor();
        Files.deleteIfExists(dir);
    }

    /** The server side: what the daemon would hold, in its own process so its RSS is its own. */
    private static void serve(Path sock) throws Exception {
        List<ProbeEntry> stash = generate();
        System.gc();
        long t0 = System.nanoTime();
        ProbeIndex index = ProbeIndex.build(stash);
        long buildNanos = System.nanoTime() - t0;
        try (QueryServer server = new QueryServer(QueryServerConfig.defaults(sock), index,
                () -> new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), () -> true)) {
            StringBuilder line = new StringBuilder(String.format("index build (start-up) from %,d probes: %.1f ms;"
                    + " in-index match (no socket, no JSON):", index.probeCount(), buildNanos / 1e6));
            for (String d : List.of("prov71007:::", "prov7:::", "*:::nomatch*", ":::")) {
                ProbeDescription desc = ProbeDescription.parse(d);
                index.match(desc, OptionalInt.empty(), Scope.all());
                long m0 = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    index.match(desc, OptionalInt.empty(), Scope.all());
                }
                line.append(String.format(" %s %.2f ms,", d, (System.nanoTime() - m0) / 20 / 1e6));
            }
            System.gc();
            server.start();
            System.out.println(line);
            System.out.flush();
            System.in.read(); // serve until the benchmark closes our stdin
        }
    }

    /** The in-process match benchmark over scripts/bench/run's held registrations. */
    private static void indexMatch(int rounds) throws Exception {
        int pids = 10_000;
        int firstPid = 3_000; // held children get consecutive pids above the daemon's, as in scripts/bench/run
        List<ProbeEntry> stash = new ArrayList<>(pids * 20);
        for (int pid = firstPid; pid < firstPid + pids; pid++) {
            ProbeEntry.Mapping m = new ProbeEntry.Mapping(0xfe00, 77, "/tmp/bench/regbench", 0x5555_0000_0000L, 0);
            for (int i = 0; i < 20; i++) {
                // new strings per registration: the stash decodes each registration's names afresh
                stash.add(new ProbeEntry(pid, pid % 2 == 0 ? 0 : 1000, 1, new String("bench"),
                        new String("regbench"), "fn_" + (i / 4), "probe_" + i,
                        List.of(new ProbeEntry.Site(m.base() + 0x1000 + i * 0x40L, false)),
                        List.of("int", "char *"), List.of("int", "char *"), List.of(0, 1), m));
            }
        }
        long t0 = System.nanoTime();
        ProbeIndex index = ProbeIndex.build(stash);
        System.out.printf("Java %s; index build, %,d probes of %,d pids: %.1f ms; %,d rounds per case%n",
                Runtime.version(), index.probeCount(), pids, (System.nanoTime() - t0) / 1e6, rounds);
        int one = firstPid + 4711;
        record Case(String what, String desc, OptionalInt pid, Scope scope, int rounds) {
        }
        List<Case> cases = List.of(
                new Case("one provider of one pid", "bench" + one + ":::", OptionalInt.empty(), Scope.all(), rounds),
                new Case("same, non-root caller (its own pid)", "bench" + one + ":::", OptionalInt.empty(),
                        Scope.ofUid(1000), rounds),
                new Case("one probe of one pid", "bench" + one + ":regbench:fn_2:probe_9", OptionalInt.empty(),
                        Scope.all(), rounds),
                new Case("pid field, all its probes", ":::", OptionalInt.of(one), Scope.all(), rounds),
                new Case("provider without suffix", "bench:::", OptionalInt.empty(), Scope.all(),
                        Math.max(20, rounds / 20)),
                new Case("unregistered pid suffix", "bench99999:::", OptionalInt.empty(), Scope.all(), rounds),
                new Case("full scan, nothing matches", "*:::nomatch*", OptionalInt.empty(), Scope.all(), rounds),
                new Case("full scan, non-root, nothing matches", "*:::nomatch*", OptionalInt.empty(),
                        Scope.ofUid(1000), rounds),
                new Case("provider glob, one name (10,000)", "bench*:::probe_7", OptionalInt.empty(), Scope.all(),
                        Math.max(20, rounds / 10)),
                new Case("everything", ":::", OptionalInt.empty(), Scope.all(), Math.max(20, rounds / 20)));
        for (int pass = 0; pass < 2; pass++) { // pass 0 warms every case up (JIT), pass 1 is reported
            for (Case c : cases) {
                ProbeDescription desc = ProbeDescription.parse(c.desc());
                long[] ns = new long[c.rounds()];
                int size = 0;
                for (int i = 0; i < ns.length; i++) {
                    long t = System.nanoTime();
                    size = index.match(desc, c.pid(), c.scope()).size();
                    ns[i] = System.nanoTime() - t;
                }
                if (pass == 1) {
                    Arrays.sort(ns);
                    System.out.printf("%-38s %-28s %,7d probes  p50 %9.1f us  p99 %9.1f us  max %9.1f us%n",
                            c.what(), c.desc() + (c.pid().isPresent() ? " pid " + c.pid().getAsInt() : ""), size,
                            ns[ns.length / 2] / 1e3, ns[Math.min(ns.length - 1, (int) (ns.length * 0.99))] / 1e3,
                            ns[ns.length - 1] / 1e3);
                }
            }
        }
        rawSocket(index, one, rounds);
    }

    /**
     * The two requests scripts/bench/run times, as raw lines over a real socket from this JVM
     * (read as text, not decoded: what regbench's query mode does).
     */
    private static void rawSocket(ProbeIndex index, int onePid, int rounds) throws Exception {
        Path dir = Files.createTempDirectory("dtprobe-bench");
        Path sock = dir.resolve("dtprobed.sock");
        try (QueryServer server = new QueryServer(QueryServerConfig.defaults(sock), index,
                () -> new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), () -> true)) {
            server.start();
            try (var s = org.newsclub.net.unix.AFUNIXSocket.connectTo(
                    org.newsclub.net.unix.AFUNIXSocketAddress.of(sock))) {
                var out = s.getOutputStream();
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                        java.nio.charset.StandardCharsets.UTF_8), 1 << 16);
                for (String req : List.of("{\"op\":\"list\",\"probe\":\"bench" + onePid + ":::\"}",
                        "{\"op\":\"list\",\"probe\":\"*:::nomatch*\"}")) {
                    byte[] line = (req + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    for (int pass = 0; pass < 2; pass++) { // pass 0 warms up
                        long[] ns = new long[rounds];
                        int len = 0;
                        for (int i = 0; i < rounds; i++) {
                            long t = System.nanoTime();
                            out.write(line);
                            out.flush();
                            len = in.readLine().length();
                            ns[i] = System.nanoTime() - t;
                        }
                        if (pass == 1) {
                            Arrays.sort(ns);
                            System.out.printf("socket, raw line %-40s %,7d bytes  p50 %9.1f us  p99 %9.1f us  max %9.1f us%n",
                                    req, len, ns[rounds / 2] / 1e3, ns[Math.min(rounds - 1, (int) (rounds * 0.99))] / 1e3,
                                    ns[rounds - 1] / 1e3);
                        }
                    }
                }
            }
        }
        Files.deleteIfExists(sock);
        Files.deleteIfExists(dir);
    }

    private static List<ProbeEntry> generate() {
        List<ProbeEntry> out = new ArrayList<>(PIDS * PROBES_PER_PID);
        for (int pid = 1000; pid < 1000 + PIDS; pid++) {
            ProbeEntry.Mapping m = new ProbeEntry.Mapping(0xfe00, pid, "/usr/lib/app" + (pid % 50) + "/libapp.so",
                    0x7f0000000000L + pid * 0x100000L, 0);
            for (int i = 0; i < PROBES_PER_PID; i++) {
                String provider = "prov" + ((pid + (i < PROBES_PER_PID / 2 ? 0 : 50)) % PROVIDER_NAMES);
                long addr = m.base() + 0x1000 + i * 0x40L;
                out.add(new ProbeEntry(pid, pid % 7 == 0 ? 1000 : 0, 1, provider, "libapp.so", "function_" + (i / 4),
                        "probe_" + i, List.of(new ProbeEntry.Site(addr, false), new ProbeEntry.Site(addr + 8, true)),
                        List.of("int", "char *"), List.of("int", "char *"), List.of(0, 1), m));
            }
        }
        return out;
    }

    private static void time(DtprobedClient c, String what, String desc, int runs) throws Exception {
        long[] ns = new long[runs];
        int size = 0;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            size = c.list(desc, OptionalInt.empty()).size();
            ns[i] = System.nanoTime() - t;
        }
        Arrays.sort(ns);
        System.out.printf("%-55s %,7d probes  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  (%d runs)%n", what, size,
                ns[runs / 2] / 1e6, ns[Math.min(runs - 1, (int) (runs * 0.99))] / 1e6, ns[runs - 1] / 1e6, runs);
    }

    private static long rssKib(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D+", ""));
            }
        }
        return -1;
    }
}
