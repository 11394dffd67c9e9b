"""Messages of the dashboard page and its charts."""

MESSAGES = {
    "dashboard.title": {"en": "Dashboard", "ko": "대시보드"},
    "dashboard.filter.days": {"en": "Period", "ko": "기간"},
    "dashboard.filter.last_days": {"en": "Last {n} days", "ko": "최근 {n}일"},
    "dashboard.filter.artist": {"en": "Artist", "ko": "아티스트"},
    "dashboard.filter.all_artists": {"en": "All artists", "ko": "전체 아티스트"},
    "dashboard.filter.platform": {"en": "Platform", "ko": "플랫폼"},
    "dashboard.filter.all_platforms": {"en": "All platforms", "ko": "전체 플랫폼"},
    "dashboard.filter.apply": {"en": "Show", "ko": "보기"},
    "dashboard.totals": {"en": "Totals", "ko": "요약"},
    "dashboard.total.queue": {"en": "Awaiting review", "ko": "검토 대기"},
    "dashboard.total.confirmed": {"en": "Confirmed", "ko": "유해 확정"},
    "dashboard.total.removed": {"en": "Taken down", "ko": "삭제 완료"},
    "dashboard.total.open_notices": {"en": "Open notices", "ko": "진행 중인 삭제 요청"},
    "dashboard.total.overdue": {"en": "Overdue notices", "ko": "기한 초과 요청"},
    "dashboard.total.now": {"en": "right now", "ko": "현재 기준"},
    "dashboard.total.in_window": {"en": "in the last {n} days", "ko": "최근 {n}일 동안"},
    "dashboard.total.due_soon": {
        "en": "{n} due within 24 hours",
        "ko": "24시간 안에 기한 도래 {n}건",
    },
    "dashboard.metric.found": {"en": "Found", "ko": "발견"},
    "dashboard.metric.confirmed": {"en": "Confirmed", "ko": "확정"},
    "dashboard.metric.removed": {"en": "Taken down", "ko": "삭제"},
    "dashboard.unknown": {"en": "Unknown", "ko": "미상"},
    "dashboard.day": {"en": "Day (UTC)", "ko": "날짜 (UTC)"},
    "dashboard.numbers": {"en": "Show the numbers", "ko": "수치 보기"},
    "dashboard.empty": {"en": "Nothing in this period.", "ko": "이 기간에는 해당 항목이 없습니다."},
    "dashboard.load_failed": {
        "en": "The charts could not be loaded: {error}",
        "ko": "차트를 불러오지 못했습니다: {error}",
    },
    "dashboard.chart.series": {
        "en": "Found, confirmed and taken down per day",
        "ko": "일별 발견·확정·삭제 건수",
    },
    "dashboard.chart.series_alt": {
        "en": "Line chart over the last {n} days: {found} found, {confirmed} confirmed, "
        "{removed} taken down. The numbers per day are in the table below.",
        "ko": "최근 {n}일 꺾은선 차트: 발견 {found}건, 확정 {confirmed}건, 삭제 {removed}건. "
        "일별 수치는 아래 표에 있습니다.",
    },
    "dashboard.chart.artists": {"en": "By artist", "ko": "아티스트별"},
    "dashboard.chart.artists_alt": {
        "en": "Stacked bar chart for {count} artists; the numbers are in the table below.",
        "ko": "아티스트 {count}명의 누적 막대 차트. 수치는 아래 표에 있습니다.",
    },
    "dashboard.chart.platforms": {"en": "By platform", "ko": "플랫폼별"},
    "dashboard.chart.platforms_alt": {
        "en": "Stacked bar chart for {count} platforms; the numbers are in the table below.",
        "ko": "플랫폼 {count}곳의 누적 막대 차트. 수치는 아래 표에 있습니다.",
    },
    "dashboard.chart.ttd": {"en": "Time to takedown", "ko": "삭제까지 걸린 시간"},
    "dashboard.chart.ttd_alt": {
        "en": "Histogram of {count} removals by time from the notice to the takedown; "
        "the numbers are in the table below.",
        "ko": "삭제 요청부터 삭제까지 걸린 시간별 {count}건의 히스토그램. "
        "수치는 아래 표에 있습니다.",
    },
    "dashboard.ttd.caption": {
        "en": "Median {median}, 90th percentile {p90}, over {count} removals.",
        "ko": "중앙값 {median}, 90백분위수 {p90} (삭제 {count}건 기준).",
    },
    "dashboard.ttd.none": {
        "en": "No takedown after a notice in this period yet.",
        "ko": "이 기간에는 삭제 요청 후 삭제된 건이 아직 없습니다.",
    },
    "dashboard.ttd.bucket": {"en": "Time to takedown", "ko": "걸린 시간"},
    "dashboard.ttd.removals": {"en": "Removals", "ko": "삭제 건수"},
    "dashboard.bucket.lt_6h": {"en": "Under 6 h", "ko": "6시간 미만"},
    "dashboard.bucket.6_24h": {"en": "6-24 h", "ko": "6~24시간"},
    "dashboard.bucket.24_48h": {"en": "24-48 h", "ko": "24~48시간"},
    "dashboard.bucket.48_72h": {"en": "48-72 h", "ko": "48~72시간"},
    "dashboard.bucket.3_7d": {"en": "3-7 days", "ko": "3~7일"},
    "dashboard.bucket.gt_7d": {"en": "Over 7 days", "ko": "7일 초과"},
    "dashboard.overdue.title": {"en": "Overdue notices", "ko": "기한이 지난 삭제 요청"},
    "dashboard.overdue.none": {
        "en": "No notice is past its deadline.",
        "ko": "기한이 지난 삭제 요청이 없습니다.",
    },
    "dashboard.overdue.hours": {"en": "Overdue by", "ko": "초과 시간"},
    "dashboard.overdue.by": {"en": "{duration} late", "ko": "{duration} 초과"},
    "dashboard.due_soon.title": {"en": "Due within 24 hours", "ko": "24시간 안에 기한 도래"},
    "dashboard.due_soon.hours": {"en": "Time left", "ko": "남은 시간"},
    "dashboard.due_soon.left": {"en": "{duration} left", "ko": "{duration} 남음"},
    "dashboard.notice.number": {"en": "Notice", "ko": "요청 번호"},
    "dashboard.notice.due": {"en": "Due", "ko": "기한"},
}
