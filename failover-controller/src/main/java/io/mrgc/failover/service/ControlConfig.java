package io.mrgc.failover.service;

import io.mrgc.autoscaler.service.AutoscalerSettings;
import io.mrgc.common.service.ControlSettings;
import io.mrgc.state.config.Deployment;

/**
 * {@code mrgc serve control}'s configuration: the shared keys ({@code mode}, {@code region}, {@code state},
 * {@code leaseHolder}, {@code admin}) and the {@code autoscaler:} and {@code failover:} sections.
 */
public record ControlConfig(Deployment deployment, ControlSettings control, AutoscalerSettings autoscaler,
    FailoverSettings failover) {}
