package org.dtprobed.jail;

/**
 * Entry point of the jailed DOF parser child, started by the daemon's supervisor as its own JVM:
 * {@code java [flags] -cp <dof-parser jar + jnr-ffi + slf4j> org.dtprobed.jail.JailMain
 * [--user nobody] [--group G] [--address-space-bytes N] [--cpu-seconds N] [--no-jail]}.
 */
public final class JailMain {
    private JailMain() {
    }

    public static void main(String[] args) {
        System.exit(JailedChild.run(args, JailedChild.parser()));
    }
}
