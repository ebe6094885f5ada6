package org.dtprobed.protocol;

import java.util.Objects;

/**
 * A DTrace probe description, {@code provider:module:function:name}, compiled for matching.
 * Fewer fields fill from the right ({@code name}, {@code function:name}, {@code
 * module:function:name}); an empty field matches anything; fields glob as {@link Glob} says. The
 * provider field matches a provider by its name or by its name with the pid appended, as DTrace
 * shows it: {@code myprov}, {@code myprov1234} and {@code myprov*} all match {@code myprov} of pid
 * 1234.
 */
public final class ProbeDescription {
    /** Longest description accepted, in characters. */
    public static final int MAX_LENGTH = 4096;

    private final Glob provider;
    private final Glob module;
    private final Glob function;
    private final Glob name;

    private ProbeDescription(Glob provider, Glob module, Glob function, Glob name) {
        this.provider = provider;
        this.module = module;
        this.function = function;
        this.name = name;
    }

    /** The description that matches every probe ({@code :::}). */
    public static ProbeDescription all() {
        return parse("");
    }

    /**
     * Parses a description.
     *
     * @throws IllegalArgumentException with the reason, for more than four fields, a bad glob or
     *                                  a description longer than {@link #MAX_LENGTH}
     */
    public static ProbeDescription parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("probe description of " + text.length()
                    + " characters is longer than " + MAX_LENGTH);
        }
        String[] f = text.split(":", -1);
        if (f.length > 4) {
            throw new IllegalArgumentException("probe description '" + text + "' has " + f.length
                    + " fields; at most 4 (provider:module:function:name)");
        }
        String[] full = {"", "", "", ""};
        System.arraycopy(f, 0, full, 4 - f.length, f.length);
        return new ProbeDescription(Glob.compile(full[0]), Glob.compile(full[1]), Glob.compile(full[2]),
                Glob.compile(full[3]));
    }

    public String provider() {
        return provider.pattern();
    }

    public String module() {
        return module.pattern();
    }

    public String function() {
        return function.pattern();
    }

    public String name() {
        return name.pattern();
    }

    public Glob providerGlob() {
        return provider;
    }

    public Glob moduleGlob() {
        return module;
    }

    public Glob functionGlob() {
        return function;
    }

    public Glob nameGlob() {
        return name;
    }

    /** The provider rule: the field matches the provider's name, or its name with the pid appended. */
    public boolean matchesProvider(String providerName, int pid) {
        return provider.matches(providerName) || matchesProviderWithPid(providerName, pid, new StringBuilder());
    }

    /**
     * The second half of the provider rule alone: the field matches {@code providerName + pid}.
     * {@code scratch} is overwritten; an index scanning thousands of registrations passes one
     * buffer rather than building a string per registration.
     */
    public boolean matchesProviderWithPid(String providerName, int pid, StringBuilder scratch) {
        if (provider.isLiteral() && pid >= 0) {
            return literalIsNameAndPid(provider.pattern(), providerName, pid);
        }
        scratch.setLength(0);
        return provider.matches(scratch.append(providerName).append(pid));
    }

    /** {@code text.equals(name + pid)} for a pid &ge; 0, without building the string. */
    private static boolean literalIsNameAndPid(String text, String name, int pid) {
        if (!text.startsWith(name)) {
            return false;
        }
        int i = text.length();
        int v = pid;
        do {
            if (i <= name.length() || text.charAt(--i) != '0' + v % 10) {
                return false;
            }
            v /= 10;
        } while (v != 0);
        return i == name.length();
    }

    /** Whether this description matches the probe. */
    public boolean matches(ProbeEntry e) {
        return matches(e.provider(), e.pid(), e.module(), e.function(), e.name());
    }

    /** Whether this description matches a probe given by its parts ({@code provider} without the pid). */
    public boolean matches(String provider, int pid, String module, String function, String name) {
        return matchesProvider(provider, pid) && this.module.matches(module) && this.function.matches(function)
                && this.name.matches(name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProbeDescription d && toString().equals(d.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return provider + ":" + module + ":" + function + ":" + name;
    }
}
