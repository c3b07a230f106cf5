package org.hapager.derby;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.hapager.derby.NameCache.Kind;
import org.junit.jupiter.api.Test;

class NameCacheTest {

    @Test
    void anAnswerThatMayPredateAChangesEndIsNotLearnt() {
        NameCache names = new NameCache();
        long askedBefore = names.generation();
        names.forget("db/seg0/c10.dat"); // a create is issued
        long askedDuring = names.generation();
        names.changed("db/seg0/c10.dat", Kind.FILE); // and done
        names.learn("db/seg0/c10.dat", Kind.MISSING, askedBefore);
        names.learn("db/seg0/c10.dat", Kind.MISSING, askedDuring);
        assertEquals(Kind.FILE, names.get("db/seg0/c10.dat"), "answers read while the create ran are dropped (invariant 3)");
        names.changed("db/seg0/c10.dat", null);
        assertNull(names.get("db/seg0/c10.dat"), "a failed change leaves the name unknown");
        names.learn("db/seg0/c10.dat", Kind.FILE, names.generation());
        assertEquals(Kind.FILE, names.get("db/seg0/c10.dat"), "an answer asked after the change is learnt");
    }

    @Test
    void aChangeForgetsTheNameWhatIsUnderItAndTheDirectoriesAboveIt() {
        NameCache names = new NameCache();
        long g = names.generation();
        for (String p : new String[] {"db", "db/a", "db/a/b", "db/a/b/c", "db/ab", "db/a/bc"}) {
            names.learn(p, Kind.DIRECTORY, g);
        }
        names.forget("db/a/b");
        assertNull(names.get("db/a/b"));
        assertNull(names.get("db/a/b/c"), "under it");
        assertNull(names.get("db/a"), "above it: a create or mkdirs makes missing parents");
        assertNull(names.get("db"));
        assertEquals(Kind.DIRECTORY, names.get("db/ab"), "a sibling whose name starts the same stays");
        assertEquals(Kind.DIRECTORY, names.get("db/a/bc"));
    }

    @Test
    void forgettingADatabaseLeavesTheOthers() {
        NameCache names = new NameCache();
        long g = names.generation();
        names.learn("shop/log", Kind.DIRECTORY, g);
        names.learn("shopping/log", Kind.DIRECTORY, g);
        names.forgetDatabase("shop");
        assertNull(names.get("shop/log"));
        assertEquals(Kind.DIRECTORY, names.get("shopping/log"));
    }

    @Test
    void aFullCacheStartsAfresh() {
        NameCache names = new NameCache();
        long g = names.generation();
        for (int i = 0; i < NameCache.MAX_ENTRIES; i++) {
            names.learn("db/f" + i, Kind.FILE, g);
        }
        names.learn("db/f0", Kind.MISSING, g);
        assertEquals(Kind.MISSING, names.get("db/f0"), "a known name is updated in place");
        assertEquals(Kind.FILE, names.get("db/f1"));
        names.learn("db/one-more", Kind.FILE, g);
        assertNull(names.get("db/f1"), "bounded: one more entry starts afresh (invariant 5)");
        assertEquals(Kind.FILE, names.get("db/one-more"));
    }
}
