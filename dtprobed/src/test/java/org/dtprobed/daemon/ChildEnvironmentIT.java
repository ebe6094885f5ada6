package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.dtprobed.fuse.CClient;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.testkit.Capability;
import org.dtprobed.testkit.Corpus;
import org.dtprobed.testkit.Requires;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVM options an operator gives the daemon through its environment are not its parser child's: an
 * option that logs at JVM start-up (here a flight recording, which says it started) would write on
 * the child's stdout, its reply pipe, and no child would ever start.
 */
@Requires({Capability.ROOT, Capability.FUSE, Capability.GCC})
class ChildEnvironmentIT {
    @TempDir
    Path tmp;

    @Test
    void jvmOptionsFromTheDaemonsEnvironmentStayOutOfItsParserChild() throws Exception {
        Path state = tmp.resolve("state");
        String device = "dtrace/childenv-" + ProcessHandle.current().pid();
        try (ChildJars jars = ChildJars.create();
             DaemonProcess daemon = DaemonProcess.launch(DaemonProcess.command(state, device, jars.jars()),
                     Map.of("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=settings=default", "JDK_JAVA_OPTIONS",
                             "-XX:+PrintFlagsFinal"),
                     state, device)) {
            assertThat(daemon.log()).as("the daemon itself took the option").contains("TrimNativeHeapInterval");
            CClient client = CClient.compile(Files.createDirectories(tmp.resolve("bin")));
            CClient.Result r = client.run(daemon.device(), Corpus.dir().resolve("libusdt-2.dof").toString());
            assertThat(r.gen()).as("%s", r).isGreaterThanOrEqualTo(0);
            assertThat(daemon.stats().get("parses").asLong()).isEqualTo(1);
        }
    }
}
