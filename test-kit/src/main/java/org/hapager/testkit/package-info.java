/**
 * What every module's tests share and that needs no project code: {@link org.hapager.testkit.Seed} with
 * {@link org.hapager.testkit.SeedExtension} (one seed convention, {@code -Dhapager.seed}, reported with every
 * failure) and {@link org.hapager.testkit.Await} (a condition with a deadline). The process fixtures need
 * project code and live in test-jars beside it: {@code PageServerProcess} in the page server's,
 * {@code ServerPair} in the pager's.
 */
package org.hapager.testkit;
