package org.hapager.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Something a whole test class shares and must close (a pair of page-server processes, a Derby cluster), made
 * in a directory of its own before the class's first test and closed, then deleted, after its last:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ClassFixture<ServerPair> servers = ClassFixture.of(dir -> new ServerPair(dir));
 * ...
 * servers.get().client()
 * }</pre>
 *
 * It stands for the {@code @TempDir static Path}, {@code @BeforeAll} and {@code @AfterAll} that each such class
 * would otherwise write again. The fixture is closed even when a test failed; a failure to close fails the class.
 */
public final class ClassFixture<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {

    /** Makes the fixture in {@code dir}, an empty directory it may use as it likes. */
    @FunctionalInterface
    public interface Factory<T> {
        T create(Path dir) throws Exception;
    }

    private final Factory<T> factory;
    private Path dir;
    private T value;

    private ClassFixture(Factory<T> factory) {
        this.factory = factory;
    }

    public static <T extends AutoCloseable> ClassFixture<T> of(Factory<T> factory) {
        return new ClassFixture<>(factory);
    }

    /** The fixture; only between the class's {@code @BeforeAll} and {@code @AfterAll}. */
    public T get() {
        if (value == null) {
            throw new IllegalStateException("the class fixture is used outside its test class's run");
        }
        return value;
    }

    /** The fixture's directory (the fixture may have put files in it). */
    public Path dir() {
        if (dir == null) {
            throw new IllegalStateException("the class fixture is used outside its test class's run");
        }
        return dir;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("hapager-" + context.getRequiredTestClass().getSimpleName() + "-");
        value = factory.create(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (value != null) {
                value.close();
            }
        } finally {
            value = null;
            Path made = dir;
            dir = null;
            if (made != null) {
                delete(made);
            }
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("deleting " + p, e);
                }
            });
        }
    }
}
