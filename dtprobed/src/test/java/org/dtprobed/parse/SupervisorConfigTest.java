package org.dtprobed.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.nio.file.Files;
import org.dtprobed.jail.ChildClasspath;
import org.dtprobed.jail.JailMain;
import org.junit.jupiter.api.Test;

class SupervisorConfigTest {
    private static final List<Path> CP = List.of(Path.of("/nonexistent/dof-parser.jar"));

    @Test
    void defaultsAreThoseOfTheIssueAndDtprobed() {
        SupervisorConfig c = SupervisorConfig.builder().classpath(CP).build();
        assertThat(c.children()).isEqualTo(1);
        assertThat(c.parseTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.maxAttempts()).isEqualTo(3);
        assertThat(c.childUser()).isEqualTo("nobody");
        assertThat(c.childGroup()).isNull();
        assertThat(c.noJail()).isFalse();
        assertThat(c.mainClass()).isEqualTo(JailMain.class.getName());
        // issue 19: what is accepted must be parseable by a child (dtprobed's 256 MiB was not)
        assertThat(c.maxDofBytes()).isEqualTo(8L << 20);
        assertThat(c.maxReplyBytes()).isEqualTo(17 << 20);
        assertThat(c.childMaxHeapBytes()).isGreaterThanOrEqualTo(4 * (c.maxDofBytes() + c.maxReplyBytes()));
        assertThat(c.java()).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    @Test
    void theChildCommandCarriesTheJailOptionsAndFlags() {
        SupervisorConfig c = SupervisorConfig.builder().classpath(CP).childUser("daemon").childGroup("nogroup").build();
        List<String> cmd = c.childCommand().command();
        assertThat(cmd).contains("-XX:-UseContainerSupport", "-XX:+UseSerialGC", "-XX:+DisplayVMOutputToStderr",
                "/nonexistent/dof-parser.jar", JailMain.class.getName());
        assertThat(String.join(" ", cmd)).endsWith("--user daemon --group nogroup --address-space-bytes "
                + SupervisorConfig.DEFAULT_CHILD_ADDRESS_SPACE + " --cpu-seconds 3600");
        assertThat(SupervisorConfig.builder().classpath(CP).noJail(true).build().childCommand().command())
                .contains("--no-jail");
    }

    @Test
    void aChildHeapThatCannotHoldTheAcceptedDofIsRefused() {
        assertThatThrownBy(() -> SupervisorConfig.builder().classpath(CP).childMaxHeapBytes(64L << 20).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot parse what is accepted");
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> SupervisorConfig.builder().classpath(CP).parseTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SupervisorConfig.builder().classpath(CP).children(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SupervisorConfig.builder().classpath(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDefaultClasspathIsTheChildsJarsAndRefusesClassDirectories() {
        // `mvn test` gives dof-parser as target/classes (a directory), `mvn verify` as its jar
        List<Path> entries = ChildClasspath.locate(getClass().getClassLoader(), List.of());
        assertThat(entries).hasSizeGreaterThanOrEqualTo(10);
        if (entries.stream().anyMatch(Files::isDirectory)) {
            assertThatThrownBy(() -> SupervisorConfig.builder().build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is a directory");
        } else {
            assertThat(SupervisorConfig.builder().build().classpath()).isEqualTo(entries);
        }
    }
}
