package org.dtprobed.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.dtprobed.daemon.DaemonProcess;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dlclose on the FUSE file (issue 14, docs/transport.md): a shared library built with Oracle's
 * {@code dtrace -G} is dlopened and dlclosed by a process that lives on. drti's destructor sends
 * REMOVE with the generation by value, which the kernel refuses before the daemon hears of it; the
 * daemon sees the open and the release and re-checks the process's maps. Pruning runs once an
 * hour here, so a registration that leaves the listing can only have gone that way.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class DlcloseIT {
    @TempDir
    Path tmp;

    /** The dlhost program under test: commands on stdin, one answer line each. */
    private static final class Host implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final OutputStream in;
        final int pid;

        Host(OracleDtrace.DlcloseProgram prog, DaemonProcess daemon) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(prog.host().toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("DTRACE_DOF_INIT_DEVNAME", daemon.device().toString());
            process = pb.start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = process.getOutputStream();
            String ready = out.readLine();
            assertThat(ready).startsWith("ready ");
            pid = Integer.parseInt(ready.substring(6));
        }

        void command(String line, String expected) throws IOException {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertThat(out.readLine()).as(line).isEqualTo(expected);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private DaemonProcess start(ChildJars jars) throws Exception {
        return DaemonProcess.start(tmp.resolve("state"), "dtrace/dlclose-" + ProcessHandle.current().pid(),
                jars.jars(), "--prune-interval", "1h");
    }

    @Test
    void dlcloseOnTheMainThreadAndFromAnotherThreadTakesTheLibrarysProbesAway() throws Exception {
        OracleDtrace.DlcloseProgram prog = OracleDtrace.dlclose(Files.createDirectories(tmp.resolve("oracle")));
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = start(jars); Host host = new Host(prog, daemon)) {
            for (String thread : new String[] {"", "t"}) {
                host.command(thread + "open " + prog.library(), "opened");
                Await.until("pid " + host.pid + " lists livelib.so's probe", Await.LIVENESS,
                        () -> listed(daemon, host.pid) == 1, () -> listed(daemon, host.pid) + " probes listed");
                assertThat(daemon.list("liveprov" + host.pid + ":livelib.so::go", host.pid)).hasSize(1);
                host.command(thread + "close", "closed");
                Await.until("livelib.so's probe leaves the listing after its " + thread + "dlclose", Await.LIVENESS,
                        () -> listed(daemon, host.pid) == 0, () -> listed(daemon, host.pid) + " probes listed");
                assertThat(host.process.isAlive()).as("the process lives on").isTrue();
            }
            JsonNode st = stats(daemon);
            assertThat(st.get("removals_by_cause").get("unmap").asLong()).as(st.toString()).isEqualTo(2);
            assertThat(st.get("dlclose_rechecks").get("removed").asLong()).as(st.toString()).isEqualTo(2);
            assertThat(st.get("removals_by_cause").get("exit").asLong()).isZero();
        }
    }

    /**
     * An open and a close of the device without a dlclose (by the registered process itself, and
     * by another user, many times) make the daemon look, and take nothing: the library is still
     * mapped. Its dlclose afterwards still does.
     */
    @Test
    void opensAndClosesWithoutADlcloseTakeNothing() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        OracleDtrace.DlcloseProgram prog = OracleDtrace.dlclose(Files.createDirectories(tmp.resolve("oracle")));
        try (ChildJars jars = ChildJars.create(); DaemonProcess daemon = start(jars); Host host = new Host(prog, daemon)) {
            host.command("open " + prog.library(), "opened");
            Await.until("livelib.so's probe is listed", Await.LIVENESS, () -> listed(daemon, host.pid) == 1,
                    () -> listed(daemon, host.pid) + " probes listed");
            Process other = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do : <> '" + daemon.device() + "' || exit 1;"
                    + " i=$((i+1)); done").redirectErrorStream(true).start();
            for (int i = 0; i < 20; i++) {
                host.command("poke", "poked");
            }
            assertThat(other.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(other.exitValue()).as(new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isZero();
            Await.until("the looks the pokes caused are over", Await.LIVENESS, () -> {
                JsonNode d = stats(daemon).get("dlclose_rechecks");
                return d.get("releases_without_ioctl").asLong() == 20 && d.get("pending").asLong() == 0;
            }, () -> stats(daemon).get("dlclose_rechecks").toString());
            JsonNode d = stats(daemon).get("dlclose_rechecks");
            assertThat(d.get("looks").asLong()).as(d.toString()).isGreaterThanOrEqualTo(3);
            assertThat(d.get("removed").asLong()).as(d.toString()).isZero();
            assertThat(listed(daemon, host.pid)).as("the registration is untouched").isEqualTo(1);
            host.command("close", "closed");
            Await.until("the dlclose still takes the probe away", Await.LIVENESS, () -> listed(daemon, host.pid) == 0,
                    () -> listed(daemon, host.pid) + " probes listed");
        }
    }

    private static int listed(DaemonProcess d, int pid) {
        try {
            return d.list("", pid).size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode stats(DaemonProcess d) {
        try (DtprobedClient c = DtprobedClient.connect(d.socket())) {
            return c.stats();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
