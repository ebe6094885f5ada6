package org.dtprobed.parse;

import java.nio.file.Path;
import java.time.Duration;
import org.dtprobed.jail.ChildJars;
import org.dtprobed.jail.HookedJailMain;

/** Test support: supervisor configurations over real child jars with the test-only hooks. */
final class SupervisorFixture implements AutoCloseable {
    private final ChildJars jars;

    SupervisorFixture() throws java.io.IOException {
        this.jars = ChildJars.create("org/dtprobed/jail/HookedJailMain.class");
    }

    /**
     * Real jailed children running the hooked entry point. The deadline is far beyond any parse on a
     * loaded machine; a test of the deadline itself sets its own.
     */
    SupervisorConfig.Builder hooked() {
        return SupervisorConfig.builder()
                .classpath(jars.jars())
                .java(Path.of(System.getProperty("java.home"), "bin", "java"))
                .mainClass(HookedJailMain.class.getName())
                .parseTimeout(Duration.ofSeconds(60));
    }

    /** Real jailed children running the production entry point. */
    SupervisorConfig.Builder production() {
        return SupervisorConfig.builder().classpath(jars.jars());
    }

    ChildJars jars() {
        return jars;
    }

    @Override
    public void close() throws java.io.IOException {
        jars.close();
    }
}
