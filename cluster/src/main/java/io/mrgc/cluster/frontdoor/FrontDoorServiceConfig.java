package io.mrgc.cluster.frontdoor;

import io.mrgc.state.config.Deployment;

/**
 * The {@code front-door} service's configuration: where it runs and its state ({@code mode: local} only), the front
 * door itself, and its admin listener (null: none).
 */
public record FrontDoorServiceConfig(Deployment deployment, FrontDoorOptions frontDoor, AdminListener admin) {}
