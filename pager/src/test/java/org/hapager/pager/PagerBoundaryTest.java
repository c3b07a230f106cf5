package org.hapager.pager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The pager's public API is its root package; {@code record}, {@code session}, {@code failover} and
 * {@code metrics} are its internals. The equivalent of a {@code module-info} that exports only
 * {@code org.hapager.pager}, checked where a module descriptor would not be: every other module of the build
 * puts the pager on its class path, where nothing would enforce one.
 */
class PagerBoundaryTest {

    private static final Pattern INTERNAL = Pattern.compile("org\\.hapager\\.pager\\.(record|session|failover|metrics)\\b");
    private static final Set<String> INTERNAL_PACKAGES = Set.of("org.hapager.pager.record", "org.hapager.pager.session",
            "org.hapager.pager.failover", "org.hapager.pager.metrics");

    /** An internal type behind an array of a wildcard's bound: what the check must still find. */
    @SuppressWarnings("unused")
    private static final List<? extends org.hapager.pager.record.RecordState>[] PROBE = null;

    /** No source file of another module (main or test) names a pager internal. */
    @Test
    void noOtherModuleNamesThePagersInternals() throws IOException {
        Path pagerModule = Path.of("").toAbsolutePath();
        Path root = pagerModule.getParent();
        assertTrue(Files.readString(root.resolve("pom.xml")).contains("<artifactId>hapager-parent</artifactId>"),
                "run from the pager module of the hapager build: " + pagerModule);
        List<String> found = new ArrayList<>();
        int read;
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> sources = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.startsWith(pagerModule))
                    .filter(p -> root.relativize(p).toString().contains("/src/")) // not target/, not .git
                    .toList();
            read = sources.size();
            for (Path source : sources) {
                List<String> lines = readLines(source);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = INTERNAL.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(root.relativize(source) + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(read > 100, "read only " + read + " source files under " + root);
        assertEquals(List.of(), found, "the pager's internals, named outside it (use org.hapager.pager's API)");
    }

    /** No public or protected member of the root package's public types has a type of the internals in it. */
    @Test
    void thePublicApiExposesNoInternalType() throws Exception {
        List<String> probe = new ArrayList<>();
        check("probe", PagerBoundaryTest.class.getDeclaredField("PROBE").getGenericType(), probe);
        assertEquals(List.of("probe org.hapager.pager.record.RecordState"), probe, "the check sees through generics");

        List<String> exposed = new ArrayList<>();
        List<Class<?>> api = publicTypesOfTheRootPackage();
        assertTrue(api.contains(PagerClient.class) && api.contains(PagerConfig.class), "found " + api);
        for (Class<?> type : api) {
            check(type.getName() + " extends", type.getGenericSuperclass(), exposed);
            for (Type implemented : type.getGenericInterfaces()) {
                check(type.getName() + " implements", implemented, exposed);
            }
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                checkExecutable(type, c, exposed);
            }
            for (Method m : type.getDeclaredMethods()) {
                if (!m.isSynthetic()) {
                    checkExecutable(type, m, exposed);
                    if (visible(m)) {
                        check(type.getName() + "." + m.getName() + " returns", m.getGenericReturnType(), exposed);
                    }
                }
            }
            for (Field f : type.getDeclaredFields()) {
                if (visible(f) && !f.isSynthetic()) {
                    check(type.getName() + "." + f.getName(), f.getGenericType(), exposed);
                }
            }
        }
        assertEquals(List.of(), exposed, "internal types in the pager's public API");
    }

    private static void checkExecutable(Class<?> type, Executable e, List<String> exposed) {
        if (!visible(e)) {
            return;
        }
        for (Type p : e.getGenericParameterTypes()) {
            check(type.getName() + "." + e.getName() + " takes", p, exposed);
        }
        for (Type t : e.getGenericExceptionTypes()) {
            check(type.getName() + "." + e.getName() + " throws", t, exposed);
        }
    }

    private static boolean visible(Member m) {
        return Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers());
    }

    private static void check(String where, Type type, List<String> exposed) {
        if (type instanceof Class<?> c) {
            Class<?> element = c;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (!element.isPrimitive() && INTERNAL_PACKAGES.contains(element.getPackageName())) {
                exposed.add(where + " " + element.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(where, p.getRawType(), exposed);
            for (Type argument : p.getActualTypeArguments()) {
                check(where, argument, exposed);
            }
        } else if (type instanceof WildcardType w) {
            Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds())).forEach(b -> check(where, b, exposed));
        } else if (type instanceof GenericArrayType a) {
            check(where, a.getGenericComponentType(), exposed);
        } else if (type instanceof TypeVariable<?> v) {
            for (Type bound : v.getBounds()) {
                check(where, bound, exposed);
            }
        }
    }

    /** The public top-level and nested types of org.hapager.pager, from the module's compiled classes. */
    private static List<Class<?>> publicTypesOfTheRootPackage() throws Exception {
        Path classes = Path.of(PagerClient.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("org/hapager/pager");
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.list(classes)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = file.getFileName().toString();
                Class<?> type = Class.forName("org.hapager.pager." + name.substring(0, name.length() - ".class".length()),
                        false, PagerClient.class.getClassLoader());
                if (Modifier.isPublic(type.getModifiers()) && !type.isAnonymousClass() && !type.isSynthetic()) {
                    types.add(type);
                }
            }
        }
        return types;
    }

    private static List<String> readLines(Path source) {
        try {
            return Files.readAllLines(source);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + source, e);
        }
    }
}
