package org.dtprobed.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.helper.InMemoryHelperRequests;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unmodified libusdt from npm {@code dtrace-provider@0.8.8}, compiled against the test shim
 * {@code <sys/dtrace.h>} (kernel facts §C.1), registering its own DOF through the FUSE-file
 * transport. libusdt always opens {@code /dev/dtrace/helper}; so that the host's device is never
 * touched, the driver runs in a private mount namespace where {@code /dev/dtrace} is a fresh
 * tmpfs holding only a symlink to this test's helper file. Skipped when the npm registry cannot
 * be reached.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC, Capability.NPM})
class LibusdtIT {
    @TempDir
    static Path dir;
    static Path driver;
    static InMemoryHelperRequests requests;
    static FuseFileTransport transport;

    @BeforeAll
    static void build() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        driver = LibusdtDriver.build(dir);
        requests = new InMemoryHelperRequests();
        transport = FuseFileTransport.start(TransportConfig.defaults()
                .withDeviceName("dtrace/test-usdt-" + ProcessHandle.current().pid())
                .withMountpoint(dir.resolve("helperfs")), requests);
    }

    @AfterAll
    static void stop() {
        if (transport != null) {
            transport.close();
        }
    }

    @Test
    void unmodifiedLibusdtRegistersItsDof() throws Exception {
        Result r = exec(dir, 60, LibusdtDriver.command(driver, transport.helperFile()).toArray(new String[0]));
        assertThat(r.status).as("%s", r.output).isZero();
        assertThat(r.output).contains("enable rc=0");
        int pid = Integer.parseInt(r.output.lines().filter(l -> l.startsWith("pid=")).findFirst().orElseThrow()
                .substring(4));
        List<InMemoryHelperRequests.Registration> regs = requests.registrations();
        assertThat(regs).hasSize(1);
        InMemoryHelperRequests.Registration reg = regs.get(0);
        assertThat(reg.caller().pid()).isEqualTo(pid);
        ParsedProvider provider = reg.parsed().providers().get(0);
        assertThat(provider.name()).isEqualTo("jtransport");
        assertThat(provider.probes()).extracting(ParsedProbe::function, ParsedProbe::name)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("func", "p1"),
                        org.assertj.core.groups.Tuple.tuple("func", "p2"));
        assertThat(provider.probes().stream().filter(p -> p.name().equals("p1")).findFirst().orElseThrow().nativeTypes())
                .containsExactly("int", "char *");
        // libusdt's REMOVE passes generation 0 by value with the 4-byte _IOW number: on a FUSE
        // file the kernel faults copying "from" address 0, so disable reports failure and the
        // daemon never hears of it (the dead-pid sweep has to clean up)
        assertThat(r.output).contains("disable rc=-1");
        assertThat(requests.removals()).isEmpty();
        assertThat(transport.serving()).isTrue();
    }

    record Result(int status, String output) {
    }

    static Result exec(Path cwd, int timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, out + " (timed out)");
        }
        return new Result(p.exitValue(), out);
    }
}
