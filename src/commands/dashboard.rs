//! `agentgw dashboard create|open`: the usage dashboard (AI/BI) in the workspace. `create` makes
//! it once and updates that same dashboard on every later run (its id is remembered in the
//! profile); one deleted or trashed in the workspace is made anew. `open` shows it.

use super::otel::{remember, saved_profile};
use super::session::Session;
use crate::cli::{DashboardArgs, DashboardCommand, DashboardCreateArgs, DashboardOpenArgs};
use crate::dashboard::document;
use crate::dashboard::lakeview::{self, Draft, Existing, Lakeview};
use crate::errors::{Classified, Kind};
use crate::otel::Tables;
use crate::profile::{self, Profile};
use crate::ui;
use anyhow::Result;

pub fn run(profile_flag: Option<&str>, args: DashboardArgs) -> Result<()> {
    match args.command {
        DashboardCommand::Create(args) => create(profile_flag, &args),
        DashboardCommand::Open(args) => open(profile_flag, &args),
    }
}

fn create(profile_flag: Option<&str>, args: &DashboardCreateArgs) -> Result<()> {
    if args.dry_run {
        return dry_run(profile_flag, args);
    }
    let session = Session::load(profile_flag)?;
    let tables = tables(args, Some(&session.profile))?;
    let previous = remembered_id(&session.profile)?;
    let http = session.http()?;
    let warehouse_id = super::warehouse::choose(&session, &http, args.warehouse_id.as_deref())?;
    let draft = Draft {
        display_name: &args.name,
        warehouse_id: &warehouse_id,
        serialized_dashboard: document::build(tables.as_ref())?.to_string(),
    };
    let api = Lakeview {
        http: &http,
        host: &session.host,
        token: &session.token,
        profile: &session.profile.name,
    };
    let (id, done) = match previous {
        None => (api.create(&draft)?, "created"),
        Some(id) => match api.find(&id)? {
            Existing::Active { etag } => {
                api.update(&id, &draft, etag.as_deref())?;
                (id, "updated")
            }
            gone => {
                let how = match gone {
                    Existing::Trashed => "is in the workspace's trash",
                    _ => "was deleted in the workspace",
                };
                ui::note(&format!(
                    "the dashboard made before ({id}) {how}; creating a new one"
                ));
                (api.create(&draft)?, "created")
            }
        },
    };
    let mut fields = vec![
        ("dashboard_id", id.as_str()),
        ("warehouse_id", &warehouse_id),
    ];
    let tables_text = tables.as_ref().map(Tables::to_string);
    if let Some(text) = &tables_text {
        fields.push(("otel_tables", text));
    }
    remember(&session.profile.name, &fields);
    println!("✓ {done}  {}", args.name);
    println!("  {}", lakeview::dashboard_url(&session.host, &id));
    if args.publish {
        api.publish(&id, &warehouse_id)?;
        println!("✓ published  (viewers see it with your data access)");
        println!("  {}", lakeview::published_url(&session.host, &id));
    }
    Ok(())
}

/// The dashboard as it would be sent, pretty-printed on stdout; nothing is sent, no login needed.
fn dry_run(profile_flag: Option<&str>, args: &DashboardCreateArgs) -> Result<()> {
    let saved = saved_profile(profile_flag)?;
    let tables = tables(args, saved.as_ref())?;
    let warehouse = super::warehouse::given(args.warehouse_id.as_deref(), saved.as_ref())?
        .map(|id| format!("on SQL warehouse {id}"))
        .unwrap_or_else(|| "on a SQL warehouse found when it runs".into());
    let action = match saved.as_ref().map(remembered_id).transpose()?.flatten() {
        Some(id) => format!("update \"{}\" (dashboard {id})", args.name),
        None => format!("create \"{}\"", args.name),
    };
    let publish = if args.publish {
        ", then publish it"
    } else {
        ""
    };
    ui::note(&format!(
        "Would {action} {warehouse}{publish} (nothing sent):"
    ));
    let document = document::build(tables.as_ref())?;
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}

fn open(profile_flag: Option<&str>, args: &DashboardOpenArgs) -> Result<()> {
    let name = profile::selected_name(profile_flag)?;
    let login = format!("agentgw login --profile {name}");
    let saved = saved_profile(profile_flag)?.ok_or_else(|| {
        Classified::run(Kind::NoProfile, format!("no profile '{name}' yet"), &login)
    })?;
    let host = saved.host.clone().ok_or_else(|| {
        Classified::run(
            Kind::NoProfile,
            format!("profile '{name}' has no workspace host"),
            &login,
        )
    })?;
    let Some(id) = remembered_id(&saved)? else {
        return Err(Classified::run(
            Kind::MissingInput,
            format!("profile '{name}' has no dashboard yet"),
            with_profile("agentgw dashboard create", profile_flag),
        )
        .into());
    };
    let url = match args.published {
        true => lakeview::published_url(&host, &id),
        false => lakeview::dashboard_url(&host, &id),
    };
    println!("{url}");
    if let Err(why) = crate::oauth::browser::open(&url) {
        ui::warn(&format!(
            "could not start a browser ({why}); open the URL above yourself"
        ));
    }
    Ok(())
}

/// `--tables`, else the profile's telemetry tables, else none (the gateway pages only).
fn tables(args: &DashboardCreateArgs, profile: Option<&Profile>) -> Result<Option<Tables>> {
    let remembered = profile.and_then(|p| p.otel_tables.as_deref());
    let tables = match (&args.tables.tables, remembered) {
        (Some(tables), _) => Some(tables.clone()),
        (None, Some(text)) => Some(Tables::parse(text, "otel_tables in agentgw's config.toml")?),
        (None, None) => None,
    };
    if tables.is_none() {
        ui::note(
            "no telemetry tables given or remembered: the dashboard gets the AI Gateway pages only \
             (--tables CATALOG.SCHEMA.PREFIX adds Claude Code's pages)",
        );
    }
    Ok(tables)
}

/// The dashboard id the profile remembers, refused if it is not one (a hand-edited config).
fn remembered_id(profile: &Profile) -> Result<Option<String>> {
    match &profile.dashboard_id {
        Some(id) if !lakeview::valid_id(id) => Err(Classified::explained(
            Kind::Config,
            format!(
                "dashboard_id in agentgw's config.toml (profile '{}') is not a dashboard id: {id:?}\n\
                 Remove the dashboard_id line from the profile, then run: agentgw dashboard create",
                profile.name
            ),
        )
        .into()),
        other => Ok(other.clone()),
    }
}

/// `command`, with `--profile P` when the user named one.
fn with_profile(command: &str, profile_flag: Option<&str>) -> String {
    match profile_flag {
        Some(p) => format!("{command} --profile {p}"),
        None => command.to_string(),
    }
}
