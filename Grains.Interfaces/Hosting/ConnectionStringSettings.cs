using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// Where PostgreSQL and Redis are (section <c>ConnectionStrings</c>). PostgreSQL is required
/// everywhere; Redis by the silos and the gateway, not by <c>migrate</c>.
/// </summary>
public sealed class ConnectionStringSettings : ISettingsSection
{
    public static string Section => "ConnectionStrings";

    /// <summary>
    /// An Npgsql connection string. Unless it sets <c>Maximum Pool Size</c>, each of a silo's two pools
    /// is capped at 24 connections (Npgsql's 100 let two loaded silos exhaust PostgreSQL's connections).
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "A PostgreSQL connection string is required (Npgsql's format).")]
    public string Postgres { get; set; } = "";

    /// <summary>A StackExchange.Redis configuration, e.g. <c>127.0.0.1:6379</c>; required by silos and the gateway (not by <c>migrate</c>).</summary>
    public string Redis { get; set; } = "";

    public static void RequireRedis(OptionsBuilder<ConnectionStringSettings> options) =>
        options.Validate(s => !string.IsNullOrWhiteSpace(s.Redis),
            $"{Settings.Key(Section, nameof(Redis))}: a Redis configuration is required, e.g. 127.0.0.1:6379.");
}
