package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exits and execs seen as they happen (issue 14), through the kernel's process-events connector:
 * the daemon prunes only once an hour here, so a registration that leaves the listing soon after
 * its process exited or exec'd can only have been taken away by an event. The bounds are liveness
 * bounds; the measured times are printed, not asserted.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class ProcessEventsIT {
    private static final int PROCESSES = 20;

    @TempDir
    Path tmp;

    private DaemonProcess start(ChildJars jars) throws Exception {
        return DaemonProcess.start(tmp.resolve("state"), "dtrace/events-" + ProcessHandle.current().pid(), jars.jars(),
                "--prune-interval", "1h");
    }

    @Test
    void exitsTakeTheirProbesAwayAtOnceNotAtTheNextPass() throws Exception {
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = start(jars)) {
            assertThat(daemon.stats().get("process_events").get("mode").asText()).isEqualTo("process-events connector");
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            String blob = Corpus.blobs().get(0).toString();
            List<Process> clients = new ArrayList<>();
            List<Integer> pids = new ArrayList<>();
            for (int i = 0; i < PROCESSES; i++) {
                Process p = client.start(daemon.device(), false, "-w", blob);
                clients.add(p);
                pids.add(CClient.awaitRegistered(p));
            }
            for (int pid : pids) {
                assertThat(daemon.list("", pid)).as("pid " + pid + " listed").isNotEmpty();
            }
            long worst = 0;
            for (int i = 0; i < PROCESSES; i++) {
                int pid = pids.get(i);
                Process p = clients.get(i);
                long t0 = System.nanoTime();
                p.destroyForcibly();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                Await.until("pid " + pid + "'s probes leave the listing after its exit", Await.LIVENESS,
                        () -> listed(daemon, pid) == 0, () -> listed(daemon, pid) + " probes listed");
                worst = Math.max(worst, System.nanoTime() - t0);
            }
            System.out.printf("ProcessEventsIT: %d exits, the slowest left the listing %.1f ms after its kill%n",
                    PROCESSES, worst / 1e6);
            JsonNode st = daemon.stats();
            assertThat(st.get("removals_by_cause").get("exit").asLong()).isEqualTo(PROCESSES);
            assertThat(st.get("process_events").get("of_registered_processes").asLong()).isGreaterThanOrEqualTo(PROCESSES);
        }
    }

    @Test
    void anExecTakesTheOldImagesProbesAwayAndThePidLivesOn() throws Exception {
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = start(jars)) {
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            Process p = client.start(daemon.device(), false, "-e", "/bin/sleep", Corpus.blobs().get(0).toString());
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int pid = -1;
            for (String l = out.readLine(); l != null && !l.equals("exec"); l = out.readLine()) {
                if (l.startsWith("pid=")) {
                    pid = Integer.parseInt(l.split("[= ]")[1]);
                }
                assertThat(l).as("registered").doesNotStartWith("adddof errno");
            }
            int execd = pid;
            try {
                Await.until("pid " + execd + "'s old probes leave the listing after its exec", Await.LIVENESS,
                        () -> listed(daemon, execd) == 0, () -> listed(daemon, execd) + " probes listed");
                assertThat(p.isAlive()).as("the pid lives on as /bin/sleep").isTrue();
                JsonNode st = daemon.stats();
                assertThat(st.get("removals_by_cause").get("exec").asLong()).as("%s", st).isEqualTo(1);
                assertThat(st.get("removals_by_cause").get("exit").asLong()).isZero();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * What another user can trigger: exits and execs of its own processes only (the connector's
     * events come from the kernel; no process can forge one). A storm of them, including one of
     * its own registered processes exiting, takes nothing of root's.
     */
    @Test
    void anotherUsersExitsAndExecsTakeNothingOfRoots() throws Exception {
        // uid 65534 must reach the client binary and the helper device under the state directory
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = start(jars)) {
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            String blob = Corpus.blobs().get(0).toString();
            Process root = client.start(daemon.device(), false, "-w", blob);
            Process theirs = null;
            try {
                int rootPid = CClient.awaitRegistered(root);
                theirs = client.start(daemon.device(), true, "-w", blob);
                int theirPid = CClient.awaitRegistered(theirs);
                Process storm = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "/bin/sh", "-c", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done")
                        .redirectErrorStream(true).start();
                assertThat(storm.waitFor(120, TimeUnit.SECONDS)).as("the other user's exec storm ended").isTrue();
                theirs.destroyForcibly();
                theirs.waitFor(30, TimeUnit.SECONDS);
                Await.until("the other user's exited process leaves the listing", Await.LIVENESS,
                        () -> listed(daemon, theirPid) == 0, () -> listed(daemon, theirPid) + " probes listed");
                assertThat(daemon.stats().get("process_events").get("received").asLong()).as("the storm was seen")
                        .isPositive();
                assertThat(listed(daemon, rootPid)).as("root's registration is untouched").isPositive();
                assertThat(daemon.stats().get("removals_by_cause").get("exit").asLong()).isEqualTo(1);
            } finally {
                root.destroyForcibly();
                if (theirs != null) {
                    theirs.destroyForcibly();
                }
            }
        }
    }

    /**
     * The connector overflowing loses nothing. The kernel queues only the events of registered
     * processes (the socket filter), so the flood is of those: with the daemon stopped (SIGSTOP)
     * and its event buffer at the 4 KiB minimum (a few datagrams), 80 registered processes exit,
     * which fills it many times over, then 20 more, whose events the kernel therefore drops. Once
     * the daemon runs again, the overflow's full pass takes all 100 away and leaves the 5 that live.
     */
    @Test
    void anOverflowOfTheConnectorRunsAFullPassAndLosesNoExit() throws Exception {
        int flood = 80;
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"), "dtrace/flood-"
                     + ProcessHandle.current().pid(), jars.jars(), "--prune-interval", "1h",
                     "--process-events-buffer", "4096")) {
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            String blob = Corpus.blobs().get(0).toString();
            List<Process> dying = new ArrayList<>();
            List<Process> living = new ArrayList<>();
            List<Integer> dead = new ArrayList<>();
            List<Integer> alive = new ArrayList<>();
            try {
                for (int i = 0; i < flood + PROCESSES + 5; i++) {
                    Process p = client.start(daemon.device(), false, "-w", blob);
                    boolean dies = i < flood + PROCESSES;
                    (dies ? dying : living).add(p);
                    (dies ? dead : alive).add(CClient.awaitRegistered(p));
                }
                signal("STOP", daemon.pid());
                try {
                    for (Process p : dying) { // the first `flood` fill the buffer; the last 20 are dropped
                        p.destroyForcibly();
                        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    }
                } finally {
                    signal("CONT", daemon.pid());
                }
                for (int pid : dead) {
                    Await.until("pid " + pid + "'s probes leave the listing after the overflow", Await.LIVENESS,
                            () -> listed(daemon, pid) == 0, () -> listed(daemon, pid) + " probes listed");
                }
                JsonNode st = daemon.stats();
                assertThat(st.get("process_events").get("overflows").asLong()).as(st.toString()).isPositive();
                assertThat(st.get("removals_by_cause").get("exit").asLong()).isEqualTo(flood + PROCESSES);
                for (int pid : alive) {
                    assertThat(listed(daemon, pid)).as("living pid " + pid + " keeps its probes").isPositive();
                }
            } finally {
                dying.forEach(Process::destroyForcibly);
                living.forEach(Process::destroyForcibly);
            }
        }
    }

    private static void signal(String name, long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
        assertThat(k.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(k.exitValue()).as("kill -" + name).isZero();
    }

    @Test
    void withoutProcessEventsTheStatsSaySoAndTheExitWaitsForThePass() throws Exception {
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.start(tmp.resolve("state"), "dtrace/noevents-"
                     + ProcessHandle.current().pid(), jars.jars(), "--prune-interval", "1s", "--no-process-events")) {
            assertThat(daemon.stats().get("process_events").get("mode").asText()).contains("periodic pruning only");
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            Process p = client.start(daemon.device(), false, "-w", Corpus.blobs().get(0).toString());
            int pid = CClient.awaitRegistered(p);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            Await.until("the pass finds pid " + pid + " gone", Await.LIVENESS, () -> listed(daemon, pid) == 0,
                    () -> listed(daemon, pid) + " probes listed");
            assertThat(daemon.stats().get("process_events").get("received").asLong()).isZero();
        }
    }

    private static int listed(DaemonProcess d, int pid) {
        try {
            return d.list("", pid).size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
