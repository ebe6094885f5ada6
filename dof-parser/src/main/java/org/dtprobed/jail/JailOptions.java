package org.dtprobed.jail;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The child's command line, shared by the child (parse) and the supervisor (build), so both sides
 * agree on the names.
 *
 * @param jail              false only with {@code --no-jail} (debugging)
 * @param user              account to drop to when started as root, or a bare number: that uid, and
 *                          the gid of the same number, with no account
 * @param group             group to drop to; null means the user's primary group
 * @param addressSpaceBytes RLIMIT_AS; 0 leaves it unchanged
 * @param cpuSeconds        RLIMIT_CPU, a backstop behind the per-parse deadline; 0 leaves it unchanged
 * @param warmOnly          warm up and exit without reading requests (class-data-sharing training)
 */
public record JailOptions(boolean jail, String user, String group, long addressSpaceBytes,
                          long cpuSeconds, boolean warmOnly) {
    public static final String DEFAULT_USER = "nobody";

    public static final String NO_JAIL = "--no-jail";
    public static final String USER = "--user";
    public static final String GROUP = "--group";
    public static final String ADDRESS_SPACE = "--address-space-bytes";
    public static final String CPU_SECONDS = "--cpu-seconds";
    public static final String WARM_ONLY = "--warm-only";

    public static final JailOptions DEFAULT = new JailOptions(true, DEFAULT_USER, null, 0, 0, false);

    public JailOptions {
        Objects.requireNonNull(user, "user");
        if (addressSpaceBytes < 0 || cpuSeconds < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }

    public static JailOptions parse(String[] args) {
        boolean jail = true;
        boolean warmOnly = false;
        String user = DEFAULT_USER;
        String group = null;
        long as = 0;
        long cpu = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case NO_JAIL -> jail = false;
                case WARM_ONLY -> warmOnly = true;
                case USER -> user = value(args, ++i);
                case GROUP -> group = value(args, ++i);
                case ADDRESS_SPACE -> as = Long.parseLong(value(args, ++i));
                case CPU_SECONDS -> cpu = Long.parseLong(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        return new JailOptions(jail, user, group, as, cpu, warmOnly);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option '" + args[i - 1] + "' needs a value");
        }
        return args[i];
    }

    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        if (!jail) {
            a.add(NO_JAIL);
        }
        if (warmOnly) {
            a.add(WARM_ONLY);
        }
        a.add(USER);
        a.add(user);
        if (group != null) {
            a.add(GROUP);
            a.add(group);
        }
        if (addressSpaceBytes > 0) {
            a.add(ADDRESS_SPACE);
            a.add(Long.toString(addressSpaceBytes));
        }
        if (cpuSeconds > 0) {
            a.add(CPU_SECONDS);
            a.add(Long.toString(cpuSeconds));
        }
        return a;
    }

    public JailOptions withWarmOnly(boolean value) {
        return new JailOptions(jail, user, group, addressSpaceBytes, cpuSeconds, value);
    }
}
