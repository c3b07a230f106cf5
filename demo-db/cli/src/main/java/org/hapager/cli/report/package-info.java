/**
 * The HTML report of a workload run: {@link org.hapager.cli.report.HtmlReport} turns a
 * {@link org.hapager.workload.result.WorkloadResult} into one self-contained page (it opens offline) with the
 * verdict, the headline figures, throughput and latency over time drawn by uPlot with the run's events (kill -9,
 * freezes, failovers, restarts) marked on the time axis, per-transaction latency percentiles, the storage figures,
 * the checks, the failures kept and the configuration. uPlot's script and stylesheet come from the WebJar
 * {@code org.webjars.npm:uplot} and are inlined, as are {@code report.js} and {@code report.css} beside this package.
 */
package org.hapager.cli.report;
