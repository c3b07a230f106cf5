/**
 * Seeded page-access traces: {@link org.hapager.bench.trace.TraceSpec} says what mix to generate,
 * {@link org.hapager.bench.trace.TraceGenerator} makes the same {@link org.hapager.bench.trace.Trace} for
 * the same spec on any machine.
 */
package org.hapager.bench.trace;
