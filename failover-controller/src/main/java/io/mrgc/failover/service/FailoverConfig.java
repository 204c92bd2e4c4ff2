package io.mrgc.failover.service;

import io.mrgc.common.service.ControlSettings;
import io.mrgc.state.config.Deployment;

/** {@code mrgc serve failover-controller}'s configuration. */
public record FailoverConfig(Deployment deployment, ControlSettings control, FailoverSettings failover) {}
