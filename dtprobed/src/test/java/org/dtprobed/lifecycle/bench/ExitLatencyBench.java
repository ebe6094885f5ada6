package org.dtprobed.lifecycle.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dtprobed.client.DtprobedClient;
import org.dtprobed.client.WatchEvent;
import org.dtprobed.client.WatchStream;

/**
 * Time from a process's {@code exit()} to its probes leaving the index (issue 14), over N
 * processes one after another: each is {@code regbench exitstamp}, which registers, and on a line
 * from us reads CLOCK_MONOTONIC and exits at once; the removal is seen on a {@code watch} stream
 * ({@link System#nanoTime} is the same clock on Linux). So each figure includes the watch's
 * delivery to this JVM: an upper bound of the daemon's own time. Prints count p50_ms p99_ms max_ms.
 *
 * <pre>java ... ExitLatencyBench SOCKET DEVICE REGBENCH DOF N</pre>
 */
public final class ExitLatencyBench {
    private static final long WAIT_SECONDS = 60;

    private ExitLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        String device = args[1];
        String regbench = args[2];
        String dof = args[3];
        int n = Integer.parseInt(args[4]);
        BlockingQueue<Integer> registered = new LinkedBlockingQueue<>();
        BlockingQueue<long[]> removed = new LinkedBlockingQueue<>();
        DtprobedClient client = DtprobedClient.connect(socket);
        WatchStream watch = client.watch("", OptionalInt.empty(), false);
        Thread reader = new Thread(() -> {
            try {
                WatchEvent e;
                while ((e = watch.next()) != null) {
                    long now = System.nanoTime();
                    if (e.registered()) {
                        registered.add(e.pid());
                    } else {
                        removed.add(new long[] {e.pid(), now});
                    }
                }
            } catch (java.io.IOException e) {
                System.err.println("watch ended: " + e.getMessage());
            }
        }, "watch");
        reader.setDaemon(true);
        reader.start();
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            nanos[i] = one(regbench, device, dof, registered, removed);
        }
        Arrays.sort(nanos);
        System.out.printf("%d %.2f %.2f %.2f%n", n, nanos[n / 2] / 1e6, nanos[(int) (n * 0.99)] / 1e6,
                nanos[n - 1] / 1e6);
        watch.close();
    }

    private static long one(String regbench, String device, String dof, BlockingQueue<Integer> registered,
                            BlockingQueue<long[]> removed) throws Exception {
        Process p = new ProcessBuilder(regbench, "exitstamp", device, dof)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();
        if (line == null || !line.startsWith("registered ")) {
            throw new IllegalStateException("regbench: " + line);
        }
        int pid = Integer.parseInt(line.substring(11));
        Integer seen;
        do {
            seen = registered.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (seen == null) {
                throw new IllegalStateException("no registration of pid " + pid + " seen");
            }
        } while (seen != pid);
        OutputStream in = p.getOutputStream();
        in.write('\n');
        in.flush();
        String exit = out.readLine();
        if (exit == null || !exit.startsWith("exit ")) {
            throw new IllegalStateException("regbench: " + exit);
        }
        long exitNanos = Long.parseLong(exit.substring(5));
        long[] r;
        do {
            r = removed.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (r == null) {
                throw new IllegalStateException("no removal of pid " + pid + " seen");
            }
        } while (r[0] != pid);
        p.waitFor();
        return r[1] - exitNanos;
    }
}
