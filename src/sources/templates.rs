//! The built-in source templates (docs/API.md sources.json): the click-id
//! parameter, tracking parameters and macros each network documents at
//! its `docs` link. Creating a source from one copies it.

/// One built-in template.
pub struct Template {
    pub id: &'static str,
    pub name: &'static str,
    pub docs: &'static str,
    pub click_param: &'static str,
    /// Empty where the network appends its click id itself.
    pub click_macro: &'static str,
    /// (param, tag, macro).
    pub params: &'static [(&'static str, &'static str, &'static str)],
    /// `none` or `param` (the networks that pass a per-click price).
    pub cost_model: &'static str,
    pub cost_param: &'static str,
    pub cost_macro: &'static str,
    /// The network's server-to-server conversion URL (docs/API.md
    /// "Outbound postbacks"), its account placeholders in capitals for
    /// the user to fill; empty where the network takes conversions only
    /// through an API with its own credentials.
    pub postback: &'static str,
}

const NONE: Template = Template {
    id: "",
    name: "",
    docs: "",
    click_param: "",
    click_macro: "",
    params: &[],
    cost_model: "none",
    cost_param: "",
    cost_macro: "",
    postback: "",
};

pub const TEMPLATES: &[Template] = &[
    // Facebook appends fbclid to every ad click itself; its dynamic URL
    // parameters are {{...}}.
    Template {
        id: "facebook",
        name: "Facebook Ads",
        docs: "https://www.facebook.com/business/help/1016122818401732",
        click_param: "fbclid",
        params: &[
            ("campaign_id", "utm_campaign", "{{campaign.id}}"),
            ("adset_id", "utm_term", "{{adset.id}}"),
            ("ad_id", "utm_content", "{{ad.id}}"),
            ("placement", "subid", "{{placement}}"),
            ("site_source_name", "utm_source", "{{site_source_name}}"),
        ],
        ..NONE
    },
    // Google Ads ValueTrack parameters; gclid comes with auto-tagging.
    Template {
        id: "google",
        name: "Google Ads",
        docs: "https://support.google.com/google-ads/answer/6305348",
        click_param: "gclid",
        click_macro: "{gclid}",
        params: &[
            ("campaignid", "utm_campaign", "{campaignid}"),
            ("adgroupid", "data1", "{adgroupid}"),
            ("creative", "utm_content", "{creative}"),
            ("keyword", "utm_term", "{keyword}"),
            ("network", "utm_source", "{network}"),
            ("placement", "subid", "{placement}"),
        ],
        ..NONE
    },
    // TikTok's URL macros are __NAME__; ttclid is attached to ad clicks.
    Template {
        id: "tiktok",
        name: "TikTok Ads",
        docs: "https://ads.tiktok.com/help/article/tiktok-click-id",
        click_param: "ttclid",
        click_macro: "__CLICKID__",
        params: &[
            ("campaign_id", "utm_campaign", "__CAMPAIGN_ID__"),
            ("adgroup_id", "utm_term", "__AID__"),
            ("ad_id", "utm_content", "__CID__"),
            ("placement", "subid", "__PLACEMENT__"),
        ],
        ..NONE
    },
    // Microsoft Advertising URL parameters; msclkid with auto-tagging.
    Template {
        id: "microsoft",
        name: "Microsoft Ads",
        docs: "https://help.ads.microsoft.com/#apex/ads/en/56799/2",
        click_param: "msclkid",
        click_macro: "{msclkid}",
        params: &[
            ("campaignid", "utm_campaign", "{CampaignId}"),
            ("adgroupid", "data1", "{AdGroupId}"),
            ("adid", "utm_content", "{AdId}"),
            ("keyword", "utm_term", "{keyword}"),
            ("network", "utm_source", "{Network}"),
        ],
        ..NONE
    },
    // A push and pop network: ${SUBID} is its click id, {cost} the price
    // of the click.
    Template {
        id: "propellerads",
        name: "PropellerAds",
        docs: "https://help.propellerads.com/en/",
        click_param: "clickid",
        click_macro: "${SUBID}",
        params: &[
            ("zoneid", "subid", "{zoneid}"),
            ("campaignid", "utm_campaign", "{campaignid}"),
            ("bannerid", "utm_content", "{bannerid}"),
        ],
        cost_model: "param",
        cost_param: "cost",
        cost_macro: "{cost}",
        postback: "https://ad.propellerads.com/conversion.php?aid=YOUR_AID&tid=YOUR_TID&visitor_id={clickid}&payout={payout}",
    },
    // Native: Taboola passes {click_id} for its S2S postback.
    Template {
        id: "taboola",
        name: "Taboola",
        docs: "https://developers.taboola.com/pixel/docs/the-postback-url",
        click_param: "click_id",
        click_macro: "{click_id}",
        params: &[
            ("site", "subid", "{site}"),
            ("campaign_id", "utm_campaign", "{campaign_id}"),
            ("campaign_item_id", "utm_content", "{campaign_item_id}"),
            ("platform", "data1", "{platform}"),
        ],
        postback: "https://trc.taboola.com/actions-handler/log/3/s2s-action?click-id={clickid}&name=YOUR_EVENT&revenue={payout}&currency={currency}",
        ..NONE
    },
    // Native: MGID's teaser macros, {click_price} the price per click.
    Template {
        id: "mgid",
        name: "MGID",
        docs: "https://help.mgid.com/macros.-setting-up-non-standard-markup-for-links-to-track-traffic",
        click_param: "click_id",
        click_macro: "{click_id}",
        params: &[
            ("widget_id", "subid", "{widget_id}"),
            ("campaign_id", "utm_campaign", "{campaign_id}"),
            ("teaser_id", "utm_content", "{teaser_id}"),
        ],
        cost_model: "param",
        cost_param: "cost",
        cost_macro: "{click_price}",
        postback: "https://a.mgid.com/postback?c={clickid}&e=YOUR_EVENT&r={payout}",
    },
];

/// The template of id `id`.
pub fn find(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}
