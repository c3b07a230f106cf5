package org.hapager.cli.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Makes the timers and distribution summaries of one name agree on publishing a histogram: the first one
 * registered under a name decides for the later ones.
 *
 * <p>Why: Micrometer's Prometheus registry (1.13 up to at least 1.17.2, on Prometheus client_java 1.x) renders
 * one name as one family, a histogram or a summary; when only some meters of the name publish a histogram,
 * {@code scrape()} fails with a {@code ClassCastException} (HistogramDataPointSnapshot vs
 * SummaryDataPointSnapshot; micrometer-metrics/micrometer#5150, #5194) and {@code /metrics} answers nothing.
 * hapager's {@code hapager.pager.io} is such a name: READ and WRITE publish a percentile histogram, the other
 * operations do not. READ registers first, so with this filter every operation publishes one.
 */
final class UniformHistograms implements MeterFilter {

    private static final DistributionStatisticConfig WITH_HISTOGRAM =
            DistributionStatisticConfig.builder().percentilesHistogram(true).build();
    private static final DistributionStatisticConfig WITHOUT_HISTOGRAM =
            DistributionStatisticConfig.builder().percentilesHistogram(false).serviceLevelObjectives().build();

    private final ConcurrentMap<String, Boolean> histogramByName = new ConcurrentHashMap<>();

    @Override
    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER && id.getType() != Meter.Type.DISTRIBUTION_SUMMARY) {
            return config;
        }
        boolean histogram = histogramByName.computeIfAbsent(id.getName(), name -> config.isPublishingHistogram());
        if (histogram == config.isPublishingHistogram()) {
            return config;
        }
        return (histogram ? WITH_HISTOGRAM : WITHOUT_HISTOGRAM).merge(config);
    }
}
