"""Portal pages of the opening, the evaluation, the award and the contract step."""

from django.urls import path

from . import assessment, award, award_notice, bids, clarifications, individual, opening, prices, secrecy

urlpatterns: list = [
    path("<int:pk>/award-notice/", award_notice.award_notice, name="award_notice"),
    path("<int:pk>/opening/", opening.opening, name="opening"),
    path("<int:pk>/panel/", opening.panel, name="panel"),
    path("<int:pk>/panel/declaration/", opening.declare, name="declare"),
    path("<int:pk>/qualification/", assessment.qualification, name="qualification"),
    path("<int:pk>/bids/", bids.bids, name="bids"),
    path("<int:pk>/bids/lots/<int:lot_number>/", bids.bids, name="bids_lot"),
    path("<int:pk>/bids/all.zip", bids.bids_zip, name="bids_zip"),
    path("<int:pk>/bids/<int:bid_id>/attachments/<uuid:attachment_id>/", bids.bid_attachment, name="bid_attachment"),
    path("<int:pk>/bids/<int:bid_id>/secrecy/", secrecy.secrecy, name="secrecy"),
    path("<int:pk>/bids/<int:bid_id>/secrecy/notify/", secrecy.secrecy_notify, name="secrecy_notify"),
    path("<int:pk>/requests/", clarifications.requests, name="requests"),
    path("<int:pk>/scores/", assessment.scores, name="scores"),
    path("<int:pk>/scores/individual/", individual.individual_scores, name="individual_scores"),
    path("<int:pk>/prices/", prices.prices, name="prices"),
    path("<int:pk>/evaluate/", assessment.evaluate, name="evaluate"),
    path("<int:pk>/results/", award.results, name="results"),
    path("<int:pk>/propose/", award.propose, name="propose"),
    path("<int:pk>/lots/<int:lot_number>/draw/", award.draw, name="draw"),
    path("<int:pk>/lots/<int:lot_number>/draw/confirm/", award.draw_confirm, name="draw_confirm"),
    path("<int:pk>/decision/", award.decision, name="decision"),
    path("<int:pk>/decide/", award.decide, name="decide"),
    path("<int:pk>/contracts/<int:contract_id>/appeals/", award.appeal_register, name="appeal"),
    path(
        "<int:pk>/contracts/<int:contract_id>/appeals/<int:appeal_id>/resolve/",
        award.appeal_resolve,
        name="appeal_resolve",
    ),
    path("<int:pk>/contracts/<int:contract_id>/liability-documents/", award.liability_add, name="liability"),
    path("<int:pk>/contracts/<int:contract_id>/clear/", award.contract_clear, name="clear"),
    path("<int:pk>/contracts/<int:contract_id>/sign/", award.contract_sign, name="sign"),
]
