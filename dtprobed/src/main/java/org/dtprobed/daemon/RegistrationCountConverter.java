package org.dtprobed.daemon;

import picocli.CommandLine;

/**
 * Parses {@code --max-registrations} and {@code --stash-chunks}. The bound is there because
 * Chronicle preallocates each stash file for its entry count (~7 KiB per registration with its slot
 * and its share of chunks, ~5 KB per chunk): a typo must not fill {@code /run}.
 */
public final class RegistrationCountConverter implements CommandLine.ITypeConverter<Integer> {
    static final int MAX = 1 << 20;

    @Override
    public Integer convert(String value) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a count");
        }
        if (n < 1 || n > MAX) {
            throw new CommandLine.TypeConversionException("'" + value + "': must be 1.." + MAX);
        }
        return n;
    }
}
