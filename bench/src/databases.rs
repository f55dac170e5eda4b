//! The benchmark's own databases: created with a `bench_` prefix, dropped at the end, never
//! the development database.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use std::str::FromStr;

/// The PostgreSQL server the benchmark creates its databases on.
#[derive(Clone, Debug)]
pub struct Server {
    /// A URL of a maintenance database on it (`postgres`).
    pub admin_url: String,
}

impl Server {
    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        let options = PgConnectOptions::from_str(&self.admin_url).expect("a PostgreSQL URL");
        options.database(name).to_url_lossy().to_string()
    }

    async fn admin(&self) -> anyhow::Result<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(1)
            .connect(&self.admin_url)
            .await?)
    }

    /// Creates an empty database (optionally a copy of `template`); its name.
    pub async fn create(&self, label: &str, template: Option<&str>) -> anyhow::Result<String> {
        let name = format!("bench_{label}_{}", uuid::Uuid::new_v4().simple());
        let template = template
            .map(|template| format!(" TEMPLATE {template}"))
            .unwrap_or_default();
        let admin = self.admin().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name}{template}"
        )))
        .execute(&admin)
        .await?;
        Ok(name)
    }

    /// Drops a database the benchmark created.
    pub async fn drop(&self, name: &str) {
        assert!(
            name.starts_with("bench_"),
            "only the benchmark's own databases are dropped"
        );
        if let Ok(admin) = self.admin().await {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(error) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await {
                eprintln!("bench: could not drop {name}: {error}");
            }
        }
    }

    /// A pool on database `name`, migrated.
    pub async fn migrated(&self, name: &str, connections: u32) -> anyhow::Result<PgPool> {
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            .connect(&self.url(name))
            .await?;
        commands::MIGRATOR.run(&pool).await?;
        Ok(pool)
    }
}
